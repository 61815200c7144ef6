"""The landing zone: input files laid out as on the Wikimedia dumps server, plus crawls.

::

    dumps/<wiki>/<YYYYMMDD>/<wiki>-<YYYYMMDD>-pages-articles[-multistream].xml[.bz2|.xz|.gz]
    dumps/<wiki>/<YYYYMMDD>/<wiki>-<YYYYMMDD>-<table>.sql.gz        (page, pagelinks, ...)
    dumps/wikidatawiki/entities/<YYYYMMDD>/wikidata-<YYYYMMDD>-all.json[.bz2|.gz]
    dumps/other/pageview_complete/<YYYY>/<YYYY-MM>/pageviews-<YYYYMMDD>-user[.bz2]
    dumps/other/pagecounts-raw/<YYYY>/<YYYY-MM>/pagecounts-<YYYYMMDD>-<HHMMSS>[.gz]
    crawls/<crawl>/*.warc[.gz], crawls/<crawl>/index.csv, crawls/<crawl>/html/**.html

Scanning is pure and cheap (directory listings only), so the sensor can run it every 30 s.
Files that do not match a pattern are ignored, never guessed at.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

WIKI_RE = re.compile(r"^[a-z][a-z0-9_]*wik[a-z]*$")
DATE_RE = re.compile(r"^\d{8}$")
PAGES_RE = re.compile(
    r"^(?P<wiki>[a-z0-9_]+)-(?P<date>\d{8})-pages-(?:articles|meta-current)(?P<multi>-multistream)?"
    r"(?P<part>\d+\.xml-p\d+p\d+|\.xml)(?P<comp>\.bz2|\.xz|\.gz)?$"
)
SQL_RE = re.compile(r"^(?P<wiki>[a-z0-9_]+)-(?P<date>\d{8})-(?P<table>[a-z_]+)\.sql(?:\.gz)?$")
WIKIDATA_RE = re.compile(r"^wikidata-(?P<date>\d{8})-all\.json(?:\.bz2|\.gz)?$")
PAGEVIEWS_RE = re.compile(r"^pageviews-(?P<date>\d{8})-user(?:\.bz2|\.gz)?$")
PAGECOUNTS_RE = re.compile(r"^pagecounts-(?P<date>\d{8})-(?P<hour>\d{6})(?:\.gz|\.bz2)?$")
CRAWL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# Directory names under dumps/ that are not wikis.
NOT_WIKIS = {"other", "wikidatawiki"}


@dataclass(frozen=True)
class WikiDump:
    """One dump date of one wiki: its XML page files and SQL table files."""

    wiki: str
    date: str
    pages: tuple[Path, ...] = ()
    sql: dict[str, Path] = field(default_factory=dict)

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file of the dump (pages first, then SQL tables by name)."""
        return (*self.pages, *sorted(self.sql.values()))


@dataclass(frozen=True)
class WikidataDump:
    """One dated Wikidata JSON dump."""

    date: str
    path: Path


@dataclass(frozen=True)
class PageviewMonth:
    """Page-view files of one calendar month (``month`` is YYYY-MM-01)."""

    month: str
    daily: tuple[Path, ...] = ()  # pageview_complete -user files, one a day
    hourly: tuple[Path, ...] = ()  # pagecounts-raw files, one an hour

    @property
    def files(self) -> tuple[Path, ...]:
        """Every page-view file of the month, daily first."""
        return (*self.daily, *self.hourly)


@dataclass(frozen=True)
class Crawl:
    """One crawl: its WARC files, its index CSV or its saved HTML pages."""

    name: str
    warcs: tuple[Path, ...] = ()
    index_csv: Path | None = None
    html: tuple[Path, ...] = ()

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file of the crawl."""
        return (*self.warcs, *((self.index_csv,) if self.index_csv else ()), *self.html)


def fingerprint(files: tuple[Path, ...] | list[Path]) -> str:
    """A short stable id of a set of files: names, sizes and mtimes (changes when any does)."""
    digest = hashlib.sha256()
    for path in sorted(files):
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


class Landing:
    """Scans a dumps directory and a crawls directory."""

    def __init__(self, dumps: str | Path, crawls: str | Path | None = None) -> None:
        self.dumps = Path(dumps)
        self.crawls_dir = Path(crawls) if crawls is not None else None

    # -- wikis ---------------------------------------------------------------------------
    def wiki_dumps(self) -> dict[str, list[WikiDump]]:
        """Every wiki with its dump dates, oldest first; dates without usable files skipped."""
        out: dict[str, list[WikiDump]] = {}
        if not self.dumps.is_dir():
            return out
        for wdir in sorted(self.dumps.iterdir()):
            if not wdir.is_dir() or wdir.name in NOT_WIKIS or not WIKI_RE.match(wdir.name):
                continue
            for ddir in sorted(d for d in wdir.iterdir() if d.is_dir() and DATE_RE.match(d.name)):
                dump = self._read_wiki_dump(wdir.name, ddir)
                if dump.pages or dump.sql:
                    out.setdefault(wdir.name, []).append(dump)
        return out

    def _read_wiki_dump(self, wiki: str, ddir: Path) -> WikiDump:
        pages: list[Path] = []
        sql: dict[str, Path] = {}
        for path in sorted(ddir.iterdir()):
            if (m := PAGES_RE.match(path.name)) and m["wiki"] == wiki and m["date"] == ddir.name:
                pages.append(path)
            elif (m := SQL_RE.match(path.name)) and m["wiki"] == wiki and m["date"] == ddir.name:
                sql[m["table"]] = path
        # A dump offers both single and multistream files; read one kind, preferring the
        # plain one (same pages), and every numbered part of it.
        plain = [p for p in pages if "-multistream" not in p.name]
        return WikiDump(wiki=wiki, date=ddir.name, pages=tuple(plain or pages), sql=sql)

    def latest_wiki_dump(self, wiki: str) -> WikiDump | None:
        """The newest dump of a wiki, or None."""
        dumps = self.wiki_dumps().get(wiki)
        return dumps[-1] if dumps else None

    # -- wikidata ------------------------------------------------------------------------
    def wikidata_dumps(self) -> list[WikidataDump]:
        """Wikidata JSON dumps, oldest first."""
        base = self.dumps / "wikidatawiki" / "entities"
        out = []
        if base.is_dir():
            for ddir in sorted(d for d in base.iterdir() if d.is_dir() and DATE_RE.match(d.name)):
                for path in sorted(ddir.iterdir()):
                    if (m := WIKIDATA_RE.match(path.name)) and m["date"] == ddir.name:
                        out.append(WikidataDump(date=ddir.name, path=path))
                        break
        return out

    def wikidata_dump(self, date: str) -> WikidataDump | None:
        """The Wikidata dump of a date, or None."""
        return next((d for d in self.wikidata_dumps() if d.date == date), None)

    def latest_wikidata_dump(self) -> WikidataDump | None:
        """The newest Wikidata dump, or None."""
        dumps = self.wikidata_dumps()
        return dumps[-1] if dumps else None

    # -- page views ------------------------------------------------------------------------
    def pageview_months(self) -> dict[str, PageviewMonth]:
        """Months (YYYY-MM-01) that have page-view files of either format."""
        daily: dict[str, list[Path]] = {}
        hourly: dict[str, list[Path]] = {}
        for fmt, pattern, into in (
            ("pageview_complete", PAGEVIEWS_RE, daily),
            ("pagecounts-raw", PAGECOUNTS_RE, hourly),
        ):
            base = self.dumps / "other" / fmt
            if not base.is_dir():
                continue
            for path in sorted(base.glob("*/*/*")):
                if (m := pattern.match(path.name)) and path.parent.name == (
                    f"{m['date'][:4]}-{m['date'][4:6]}"
                ):
                    into.setdefault(f"{m['date'][:4]}-{m['date'][4:6]}-01", []).append(path)
        return {
            month: PageviewMonth(
                month=month,
                daily=tuple(daily.get(month, ())),
                hourly=tuple(hourly.get(month, ())),
            )
            for month in sorted(set(daily) | set(hourly))
        }

    # -- crawls --------------------------------------------------------------------------
    def crawls(self) -> dict[str, Crawl]:
        """Crawls: WARC files, a Common Crawl index CSV and/or saved HTML pages."""
        out: dict[str, Crawl] = {}
        if self.crawls_dir is None or not self.crawls_dir.is_dir():
            return out
        for cdir in sorted(self.crawls_dir.iterdir()):
            if not cdir.is_dir() or not CRAWL_RE.match(cdir.name):
                continue
            warcs = tuple(
                sorted(p for p in cdir.iterdir() if p.name.endswith((".warc", ".warc.gz")))
            )
            index = cdir / "index.csv"
            html = tuple(sorted(p for p in (cdir / "html").rglob("*.htm*") if p.is_file()))
            crawl = Crawl(
                name=cdir.name,
                warcs=warcs,
                index_csv=index if index.is_file() else None,
                html=html,
            )
            if crawl.files:
                out[cdir.name] = crawl
        return out
