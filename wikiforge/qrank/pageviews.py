"""Read Wikimedia page-view files and reduce them to ``(key, views)`` per month.

Two formats:

* ``pageview_complete`` daily ``-user`` files (2015 on), six columns separated by U+0020 only:
  ``wiki_code title page_id access_method daily_total hourly_counts``, e.g.
  ``de.wikipedia Obergesteln 585473 mobile-web 2 P1R1``. Desktop and mobile lines of a page are
  separate and summed; ``page_id`` may be ``null``. Titles may hold any other whitespace
  (U+0085, U+00A0, tab), so the split is on the byte 0x20 alone.
* ``pagecounts-raw`` hourly files (2007-2016), four columns: ``project title views bytes``, e.g.
  ``en.d fiscal_drag 1 29904``.

A file is read in blocks by pyarrow's CSV reader (splitting on 0x20 only, no quoting), each block
is summed per page with polars and turned into join keys (vectorised for plain ASCII titles, the
exact Python rules of ``keys`` for the rest). Memory is bounded by the block size, whatever the
file's length. ``view_counts_of_tasks`` is that reading as the map of the ``pageviews_month``
step (one task per file, on the engine's workers) and ``MONTH_SUM_SQL`` its reduce, the month's
sum per key (DuckDB under a memory limit, spilling past it, or Spark SQL); the step itself is
``assets.qrank.pageviews_month.write_pageviews_month``.
"""

from __future__ import annotations

import calendar
import functools
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from wikiforge.errors import InputError
from wikiforge.landing import PageviewMonth
from wikiforge.mapreduce import MAX_SAMPLES, PartCounts, data_batch, stats_batch, with_stats
from wikiforge.qrank import keys

PAGEVIEW_COMPLETE = "pageview_complete"
PAGECOUNTS_RAW = "pagecounts_raw"

_COLUMNS = {
    PAGEVIEW_COMPLETE: ["wiki", "title", "page_id", "access", "views", "hourly"],
    PAGECOUNTS_RAW: ["wiki", "title", "views", "bytes"],
}
MONTH_SCHEMA = pa.schema([("key", pa.string()), ("views", pa.int64())])
_BLOCK_SIZE = 8 << 20


@dataclass
class ViewFileStats(PartCounts):
    """What reading one or more view files found.

    Attributes:
        files: Files read.
        lines: Data lines read (blank lines not counted).
        rows: Lines that became a (key, views) row.
        bad_lines: Lines without the right number of U+0020-separated columns.
        bad_counts: Lines whose view count is not a positive integer.
        bad_utf8: Lines whose wiki code or title is not UTF-8 (also after percent-decoding).
        skipped_wikis: Lines of wikis that are not a page's wiki (``en.mw`` totals, closed wikis).
        bad_samples: The first few malformed lines, for a person to look at.
    """

    files: int = 0
    lines: int = 0
    rows: int = 0
    bad_lines: int = 0
    bad_counts: int = 0
    bad_utf8: int = 0
    skipped_wikis: int = 0
    bad_samples: list[str] = field(default_factory=list)

    def as_metadata(self) -> dict[str, object]:
        """The counts as a flat dict for asset metadata."""
        return {
            "files": self.files,
            "lines": self.lines,
            "rows": self.rows,
            "bad_lines": self.bad_lines,
            "bad_counts": self.bad_counts,
            "bad_utf8": self.bad_utf8,
            "skipped_wikis": self.skipped_wikis,
            "bad_samples": list(self.bad_samples),
        }


def parse_pageview_complete_line(line: bytes) -> tuple[str, str, int] | None:
    """One ``pageview_complete`` line as (wiki code, title, views), or None if malformed.

    The row-level definition the block reader implements; splits on U+0020 only.
    """
    parts = line.rstrip(b"\r\n").split(b" ")
    if len(parts) != 6:
        return None
    return _row(parts[0], parts[1], parts[4])


def parse_pagecounts_line(line: bytes) -> tuple[str, str, int] | None:
    """One ``pagecounts-raw`` line as (project code, title, views), or None if malformed."""
    parts = line.rstrip(b"\r\n").split(b" ")
    if len(parts) != 4:
        return None
    return _row(parts[0], parts[1], parts[2])


def _row(wiki: bytes, title: bytes, views: bytes) -> tuple[str, str, int] | None:
    if not views.isdigit() or not wiki or not title:
        return None
    try:
        return wiki.decode("utf-8"), title.decode("utf-8"), int(views)
    except UnicodeDecodeError:
        return None


def row_key(fmt: str, wiki: str, title: str) -> str | None:
    """The join key for one row of a view file of format ``fmt``, or None to skip it."""
    if fmt == PAGECOUNTS_RAW:
        return keys.pagecounts_key(wiki, title)
    return keys.view_key(wiki, title)


def _as_utf8(column: pa.Array) -> pa.Array:
    """Binary column -> string column; values that are not UTF-8 become null."""
    try:
        return column.cast(pa.string())
    except pa.ArrowInvalid:
        values = []
        for raw in column.to_pylist():
            try:
                values.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                values.append(None)
        return pa.array(values, pa.string())


@functools.cache
def _fold_differs_pattern() -> str:
    """A regex class of the characters for which lowercasing is not case folding.

    ``str.casefold`` and ``str.lower`` are per-character mappings except for the final sigma
    rule of lowercasing, so ``Σ`` is added; everything else lowercases to its folding.
    """
    chars = [
        cp
        for cp in range(0x110000)
        if not 0xD800 <= cp <= 0xDFFF and chr(cp).casefold() != chr(cp).lower()
    ]
    chars.append(0x03A3)
    return "[" + "".join(f"\\x{{{cp:X}}}" for cp in sorted(set(chars))) + "]"


def _site_table(fmt: str, wikis: pl.Series) -> pl.DataFrame:
    """Per wiki code: the key prefix, and whether its titles need the exact Python rules."""
    split = keys.split_pagecounts_project if fmt == PAGECOUNTS_RAW else keys.split_wiki_code
    prefixes: list[str | None] = []
    special: list[bool] = []
    for wiki in wikis.to_list():
        parts = split(wiki)
        if parts is None:
            prefixes.append(None)
            special.append(False)
            continue
        lang, project, incubator = keys._key_prefix(parts[0], parts[1])
        prefixes.append(f"{lang}.{project}/")
        special.append(incubator or lang in ("tr", "az"))
    return pl.DataFrame(
        {"wiki": wikis, "prefix": prefixes, "special": special},
        schema={"wiki": pl.String, "prefix": pl.String, "special": pl.Boolean},
    )


def keyed_counts(fmt: str, frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Turn (wiki, title, views) rows into (key, views) summed per key.

    Titles take a vectorised path (polars: Unicode lowercasing, then NFC) unless they hold a
    character whose case folding differs from its lowercasing (``ß``, ``Σ``, ligatures, ...),
    a percent escape, or belong to a Turkish, Azeri or Incubator wiki: those get the exact
    Python rules of ``keys``. Both paths give the same keys (tested on random Unicode).

    Returns:
        The keyed counts, and how many rows were skipped (wiki not a page's wiki, or a title
        that percent-decodes to invalid UTF-8).
    """
    if frame.height == 0:
        return pl.DataFrame(schema={"key": pl.String, "views": pl.Int64}), 0
    grouped = frame.group_by(["wiki", "title"]).agg(pl.col("views").sum())
    sites = _site_table(fmt, grouped.get_column("wiki").unique(maintain_order=True))
    joined = grouped.join(sites, on="wiki", how="left")
    unknown_wiki = joined.filter(pl.col("prefix").is_null()).height
    joined = joined.filter(pl.col("prefix").is_not_null())
    title = pl.col("title")
    simple_mask = (
        ~pl.col("special")
        & ~title.str.contains("%", literal=True)
        & ~title.str.contains(_fold_differs_pattern())
    )
    ascii_title = title.str.len_bytes() == title.str.len_chars()
    folded = (
        pl.when(ascii_title)
        .then(title.str.to_lowercase())
        .otherwise(title.str.to_lowercase().str.normalize("NFC"))
    )
    simple = joined.filter(simple_mask).select(
        (pl.col("prefix") + folded.str.replace_all(r"[\x00-\x20]", "_")).alias("key"),
        pl.col("views"),
    )
    complex_rows = joined.filter(~simple_mask)
    complex_keys = [
        row_key(fmt, wiki, t)
        for wiki, t in zip(
            complex_rows.get_column("wiki").to_list(),
            complex_rows.get_column("title").to_list(),
            strict=True,
        )
    ]
    complex_frame = pl.DataFrame(
        {"key": complex_keys, "views": complex_rows.get_column("views")},
        schema={"key": pl.String, "views": pl.Int64},
    )
    undecodable = complex_frame.filter(pl.col("key").is_null()).height
    combined = pl.concat([simple, complex_frame.drop_nulls("key")])
    summed = combined.group_by("key").agg(pl.col("views").sum())
    return summed, unknown_wiki + undecodable


def iter_view_file_counts(
    path: str | os.PathLike, fmt: str, stats: ViewFileStats, block_size: int = _BLOCK_SIZE
) -> Iterator[pl.DataFrame]:
    """(key, views) frames for one view file, one per block read, summed within the block.

    Args:
        path: A ``pageview_complete`` daily file or a ``pagecounts-raw`` hourly file, plain or
            compressed (``.bz2``, ``.gz``).
        fmt: ``PAGEVIEW_COMPLETE`` or ``PAGECOUNTS_RAW``.
        stats: Filled with the counts while the frames are consumed.
        block_size: Bytes of decompressed text per block; bounds memory.

    Raises:
        InputError: if the file cannot be read or decompressed, naming the data line reached.
    """
    names = _COLUMNS[fmt]
    stats.files += 1

    def on_bad_row(row: pacsv.InvalidRow) -> str:
        stats.bad_lines += 1
        if len(stats.bad_samples) < MAX_SAMPLES:
            stats.bad_samples.append(f"{Path(path).name}: {row.text[:200]!r}")
        return "skip"

    compression: str | None = "detect"
    if Path(path).suffix not in (".bz2", ".gz", ".zst"):
        compression = None
    try:
        stream = pa.input_stream(str(path), compression=compression)
        if stream.read(1) == b"":
            stream.close()
            return
        stream.close()
        stream = pa.input_stream(str(path), compression=compression)
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(
                column_names=names, block_size=block_size, use_threads=False
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=" ",
                quote_char=False,
                escape_char=False,
                ignore_empty_lines=True,
                invalid_row_handler=on_bad_row,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.binary() for name in names},
                include_columns=["wiki", "title", "views"],
            ),
        )
        for batch in reader:
            stats.lines += batch.num_rows
            yield _batch_counts(fmt, batch, stats)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(path, f"after data line {stats.lines}", f"unreadable: {exc}") from exc


def _batch_counts(fmt: str, batch: pa.RecordBatch, stats: ViewFileStats) -> pl.DataFrame:
    wiki = _as_utf8(batch.column("wiki"))
    title = _as_utf8(batch.column("title"))
    views_text = _as_utf8(batch.column("views"))
    frame = pl.DataFrame(
        {
            "wiki": pl.Series(wiki),
            "title": pl.Series(title),
            "views": pl.Series(views_text).str.to_integer(strict=False),
        }
    )
    bad_utf8 = frame.filter(pl.col("wiki").is_null() | pl.col("title").is_null()).height
    frame = frame.drop_nulls(["wiki", "title"])
    valid_count = pl.col("views").is_not_null() & (pl.col("views") > 0)
    bad_counts = frame.filter(~valid_count & (pl.col("views").is_null() | (pl.col("views") < 0)))
    stats.bad_counts += bad_counts.height
    frame = frame.filter(valid_count).filter(pl.col("title") != "")
    counts, skipped = keyed_counts(fmt, frame)
    stats.bad_utf8 += bad_utf8
    stats.skipped_wikis += skipped
    stats.rows += frame.height - skipped
    return counts


@dataclass
class MonthFiles:
    """The view files of one month to read, their format, and the days or hours without one."""

    month: str
    fmt: str
    files: list[Path]
    missing: list[str]


def month_files(month: PageviewMonth) -> MonthFiles:
    """The files of a landing-zone month to sum: its ``pageview_complete`` daily files, or for
    a month that has none (before 2015) its hourly ``pagecounts-raw`` files.

    Returns:
        The files, their format, and the days (``YYYYMMDD``) or hours (``YYYYMMDD-HH``) of the
        month that have no file.
    """
    year, mon = int(month.month[:4]), int(month.month[5:7])
    days = [f"{year:04d}{mon:02d}{d:02d}" for d in range(1, calendar.monthrange(year, mon)[1] + 1)]
    if month.daily:
        have = {p.name.split("-")[1] for p in month.daily}
        missing = [day for day in days if day not in have]
        return MonthFiles(month.month[:7], PAGEVIEW_COMPLETE, list(month.daily), missing)
    have = {"-".join(p.name.split("-")[1:3])[:11] for p in month.hourly}
    hours = [f"{day}-{h:02d}" for day in days for h in range(24)]
    missing = [hour for hour in hours if hour not in have]
    return MonthFiles(month.month[:7], PAGECOUNTS_RAW, list(month.hourly), missing)


# -- the step on the engine (assets/qrank/pageviews_month.py): a map per file, a SQL sum ------
#: Output of the map: (key, views) per block of a file, plus one stats row per file.
MONTH_MAP_SCHEMA = with_stats(MONTH_SCHEMA)
#: The reduce, over the map's output as ``view_counts``: the month's views per key.
MONTH_SUM_SQL = (
    "SELECT key, CAST(SUM(views) AS BIGINT) AS views FROM view_counts "
    "WHERE stats IS NULL AND key IS NOT NULL GROUP BY key HAVING SUM(views) > 0 ORDER BY key"
)


def view_file_tasks(files: Sequence[str | os.PathLike], fmt: str) -> list[dict[str, object]]:
    """One task per view file of a month."""
    return [{"path": str(f), "fmt": fmt} for f in files]


def view_counts_of_tasks(batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
    """Map: the (key, views) block sums of the view files named by a batch of tasks, then each
    file's stats row.
    """
    for task in batch.to_pylist():
        stats = ViewFileStats()
        for frame in iter_view_file_counts(task["path"], task["fmt"], stats):
            if frame.height:
                yield data_batch(
                    MONTH_MAP_SCHEMA,
                    {
                        "key": frame.get_column("key").to_arrow(),
                        "views": frame.get_column("views").to_arrow(),
                    },
                )
        yield stats_batch(MONTH_MAP_SCHEMA, {"task": task["task"], **stats.__dict__})
