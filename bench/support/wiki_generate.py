"""A generated pages-articles dump whose vocabulary grows like a real wiki's (benchmarks only).

The older generator (``bench/generate_dump.py``) repeats ~3 k real pages under new titles, so
the anchor dictionary stays at ~2.5 k anchors whatever the size. This one keeps the real text
but grows titles, redirects and anchor texts with size as the real sample wikis do:

* **Heaps' law, fitted on the real wikis** (``measure_vocabulary`` + ``fit_heaps``): reading
  each real dump in its own order (page id, roughly creation order), the number of distinct
  article titles, redirect titles and anchor texts (lower-cased link texts of ns-0 links in
  articles) is recorded against the uncompressed XML bytes read so far, and
  ``log V = log K + beta * log bytes`` is fitted by least squares over the second half of the
  curve on a log scale (the first pages of a dump are not typical). The generator makes the
  distinct redirects and anchors follow ``K * bytes ** beta`` with the fitted exponents
  (``GROWTH``); article titles grow with the articles written, as in a real dump.
* **Links follow the real degree distribution**: each generated article takes the length and
  the number of ns-0 links of a real article drawn at random (so out-degree and length keep
  their joint distribution), and each title gets a weight drawn from the real in-degree
  distribution; link targets are drawn in proportion to these weights.
* **Text is resampled from real sentences**: prose sentences of the real articles (their links
  replaced by their text), with the real non-prose blocks (templates, tables, lists, headings)
  mixed in at the real share; the generated links are written into the sentences at word
  boundaries, as ``[[Target]]`` or ``[[Target|anchor]]``.
* **New titles and anchors are synthesised** from real tokens: a title is one to three tokens
  of real titles (a real-looking ``(qualifier)`` on a clash); an anchor that is not its target's
  title is a real anchor text (sometimes, which makes anchors ambiguous) or one to three real
  anchor tokens.

Everything is drawn from one seeded ``numpy`` generator: the same ``(size, seed)`` gives the
same bytes. The output is bzip2 in the multistream layout (100 pages a stream), compressed on
``processes`` cores. The file says in a comment that it is generated.
"""

from __future__ import annotations

import bz2
import html
import lzma
import math
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from bench.support.bz2_streams import write_multistream

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data" / "wikis"
SAMPLES = REPO / "samples" / "dumps"
#: The real wikis the growth is fitted on: whole dumps first, then the cut ones.
FIT_WIKIS = {
    "hawiki": "hawiki/20150406/hawiki-20150406-pages-articles.xml.bz2",
    "nvwiki": "nvwiki/20150602/nvwiki-20150602-pages-articles.xml.bz2",
    "enwiki": "enwiki/20160501/enwiki-20160501-pages-articles.xml.bz2",
    "elwiki": "elwiki/20230501/elwiki-20230501-pages-articles.xml.xz",
    "ukwiki": "ukwiki/20230501/ukwiki-20230501-pages-articles.xml.xz",
    "jawiki": "jawiki/20230501/jawiki-20230501-pages-articles.xml.xz",
}
#: The wikis whose articles the generated text and structure are drawn from (Latin script,
#: spaces between words, so one tokenisation fits all of them).
TEXT_WIKIS = ("enwiki", "hawiki", "nvwiki")
MB = 1_000_000

_PAGE = re.compile(rb"<page>.*?</page>", re.S)
_TITLE = re.compile(rb"<title>([^<]*)</title>")
_NS = re.compile(rb"<ns>([^<]*)</ns>")
_REDIRECT = re.compile(rb"<redirect title=")
_TEXT = re.compile(rb"<text[^>]*?(?:/>|>(.*?)</text>)", re.S)
_LINK = re.compile(r"\[\[([^\n|\]\[<>{}]{0,256})(?:\|([^\[]*?))?\]\]")
_QUOTES = re.compile(r"'{2,}")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_WORD = re.compile(r"\w+", re.U)
_PROSE_BAD = re.compile(r"[{}<>|\[\]=]|^[*#:;!]")


@dataclass(frozen=True)
class Growth:
    """``distinct = k * bytes ** beta`` (bytes of uncompressed XML)."""

    k: float
    beta: float

    def at(self, size_bytes: float) -> float:
        """The distinct count expected after ``size_bytes`` of XML."""
        return self.k * size_bytes**self.beta


# -- reading the real dumps ---------------------------------------------------------------------
def real_path(wiki: str) -> Path:
    """The real dump of ``wiki``: the shared data set beside the repository, else the samples."""
    relative = FIT_WIKIS[wiki]
    shared = SHARED / Path(relative).name.replace("-pages-articles", "-sample-pages-articles")
    if wiki == "enwiki" and shared.exists():
        return shared
    shared = SHARED / Path(relative).name
    return shared if shared.exists() else SAMPLES / relative


def _decompressed(path: Path) -> bytes:
    data = path.read_bytes()
    if data[:3] == b"BZh":
        return bz2.decompress(data)
    if data[:6] == b"\xfd7zXZ\x00":
        return lzma.decompress(data)
    return data


@dataclass
class RawPage:
    """One page of a real dump as the generator needs it."""

    xml_bytes: int
    title: str
    namespace: int
    redirect: bool
    text: str


def real_pages(path: Path) -> Iterator[RawPage]:
    """The complete pages of a dump in file order (a cut-off last page is dropped)."""
    data = _decompressed(path)
    for match in _PAGE.finditer(data):
        chunk = match.group(0)
        title = _TITLE.search(chunk)
        namespace = _NS.search(chunk)
        text = _TEXT.search(chunk)
        if title is None or namespace is None:
            continue
        body = (text.group(1) or b"") if text else b""
        yield RawPage(
            xml_bytes=len(chunk) + 3,  # two spaces and a newline around each page
            title=html.unescape(title.group(1).decode("utf-8", "replace")),
            namespace=int(namespace.group(1)),
            redirect=_REDIRECT.search(chunk) is not None,
            text=html.unescape(body.decode("utf-8", "replace")),
        )


def article_links(text: str) -> list[tuple[str, str]]:
    """``(target, anchor)`` of the ns-0 links of a wikitext (targets first-letter upper-cased)."""
    found = []
    for match in _LINK.finditer(text):
        target, anchor = match.group(1).strip(), match.group(2)
        if not target or ":" in target or target.startswith("#"):
            continue
        target = target.split("#", 1)[0].replace("_", " ").strip()
        if not target:
            continue
        anchor = (anchor if anchor and anchor.strip() else match.group(1)).strip()
        anchor = _QUOTES.sub("", anchor)
        found.append((target[:1].upper() + target[1:], anchor))
    return found


# -- Heaps' law -----------------------------------------------------------------------------------
def measure_vocabulary(
    pages: list[RawPage], seed: int | None = 0
) -> list[tuple[int, int, int, int]]:
    """``(xml bytes so far, distinct article titles, distinct redirects, distinct anchors)``
    after every ns-0 page, the pages taken in a seeded random order (None: the dump's order,
    which puts a wiki's oldest, longest articles first).
    """
    titles: set[str] = set()
    redirects: set[str] = set()
    anchors: set[str] = set()
    size = 0
    curve = []
    main = [page for page in pages if page.namespace == 0]
    if seed is not None:
        main = [main[i] for i in np.random.default_rng(seed).permutation(len(main))]
    for page in main:
        size += page.xml_bytes
        if page.redirect:
            redirects.add(page.title)
        else:
            titles.add(page.title)
            anchors.update(a.lower() for _, a in article_links(page.text) if a)
        curve.append((size, len(titles), len(redirects), len(anchors)))
    return curve


def fit_heaps(curve: list[tuple[int, int]], skip_share: float = 0.3) -> Growth | None:
    """Least-squares fit of ``log V = log k + beta log n`` over the curve's points from
    ``skip_share`` of its log-range on (30 points evenly spaced in log n).
    """
    points = [(n, v) for n, v in curve if n > 0 and v > 0]
    if len(points) < 10:
        return None
    low, high = math.log(points[0][0]), math.log(points[-1][0])
    start = low + skip_share * (high - low)
    sizes = np.array([p[0] for p in points], dtype=float)
    values = np.array([p[1] for p in points], dtype=float)
    grid = np.linspace(start, high, 30)
    picks = np.unique(np.searchsorted(np.log(sizes), grid).clip(0, len(points) - 1))
    x, y = np.log(sizes[picks]), np.log(values[picks])
    if len(x) < 3 or np.ptp(x) == 0:
        return None
    beta, log_k = np.polyfit(x, y, 1)
    return Growth(k=float(math.exp(log_k)), beta=float(beta))


def fit_all(wikis: tuple[str, ...] = tuple(FIT_WIKIS), orders: int = 5) -> dict[str, dict]:
    """Per real wiki (its ns-0 pages): size, final distinct counts and the fitted growth of
    each, averaged over ``orders`` seeded random orders of the pages (exponents averaged,
    ``k`` geometrically).
    """
    fitted = {}
    for wiki in wikis:
        pages = list(real_pages(real_path(wiki)))
        curves = [measure_vocabulary(pages, seed) for seed in range(orders)]
        size, titles, redirects, anchors = curves[0][-1]
        row: dict = {"xml_bytes": size, "pages": len(curves[0])}
        for index, name in ((1, "titles"), (2, "redirects"), (3, "anchors")):
            row[name] = (titles, redirects, anchors)[index - 1]
            fits = [fit_heaps([(c[0], c[index]) for c in curve]) for curve in curves]
            good = [f for f in fits if f is not None]
            row[f"{name}_fit"] = (
                Growth(
                    k=float(np.exp(np.mean([math.log(f.k) for f in good]))),
                    beta=float(np.mean([f.beta for f in good])),
                )
                if good
                else None
            )
        fitted[wiki] = row
    return fitted


def growth_from_fits(fitted: dict[str, dict], name: str) -> Growth:
    """The generator's growth of ``name``: the median exponent of the wikis' fits, through the
    geometric mean of the whole dumps' end points (hawiki, nvwiki).
    """
    betas = sorted(row[f"{name}_fit"].beta for row in fitted.values() if row[f"{name}_fit"])
    beta = float(np.median(betas))
    whole = [row for wiki, row in fitted.items() if wiki in ("hawiki", "nvwiki")]
    log_k = np.mean([math.log(row[name]) - beta * math.log(row["xml_bytes"]) for row in whole])
    return Growth(k=float(math.exp(log_k)), beta=beta)


# -- the pool of real material --------------------------------------------------------------------
@dataclass
class Pool:
    """What the generated pages are made of, all taken from the real text wikis."""

    sentences: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
    #: Per real article: (text length in characters, ns-0 links, share of prose in its text).
    articles: list[tuple[int, int, float]] = field(default_factory=list)
    in_degrees: list[int] = field(default_factory=list)
    title_tokens: list[str] = field(default_factory=list)
    anchor_tokens: list[str] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)
    qualifiers: list[str] = field(default_factory=list)
    header: bytes = b""


def _split_text(text: str) -> tuple[list[str], list[str]]:
    """Prose sentences (links replaced by their text) and the non-prose blocks of a wikitext."""
    sentences, blocks = [], []
    plain = _LINK.sub(lambda m: (m.group(2) or m.group(1)) if ":" not in m.group(1) else "", text)
    for paragraph in re.split(r"\n\s*\n", plain):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if "\n" not in paragraph and not _PROSE_BAD.search(paragraph):
            sentences.extend(s for s in _SENTENCE_END.split(paragraph) if len(s) > 20)
        else:
            blocks.append(paragraph)
    return sentences, blocks


def load_pool() -> Pool:
    """Sentences, blocks, article shapes, degrees and tokens of the real text wikis."""
    pool = Pool()
    qualifiers: Counter = Counter()
    for wiki in TEXT_WIKIS:
        path = real_path(wiki)
        if wiki == "enwiki":
            data = _decompressed(path)
            pool.header = data[: data.find(b"<page>")]
        in_degree: Counter = Counter()
        titles: list[str] = []
        for page in real_pages(path):
            if page.namespace != 0 or page.redirect:
                continue
            titles.append(page.title)
            links = article_links(page.text)
            for target, anchor in links:
                in_degree[target] += 1
                if anchor:
                    pool.anchors.append(anchor)
                    pool.anchor_tokens.extend(_WORD.findall(anchor))
            pool.title_tokens.extend(_WORD.findall(page.title.split(" (")[0]))
            if page.title.endswith(")") and " (" in page.title:
                qualifiers[page.title.rsplit(" (", 1)[1][:-1]] += 1
            sentences, blocks = _split_text(page.text)
            prose = sum(len(s) + 1 for s in sentences)
            pool.sentences.extend(sentences)
            pool.blocks.extend(b for b in blocks if len(b) < 20_000)
            share = min(1.0, prose / max(1, len(page.text)))
            pool.articles.append((len(page.text), len(links), share))
        pool.in_degrees.extend(in_degree[t] for t in titles)
    pool.qualifiers = [q for q, _ in qualifiers.most_common()] or ["disambiguation"]
    return pool


# -- the generator --------------------------------------------------------------------------------
XML_OVERHEAD = 330  # bytes of page XML around the text (title, ids, revision, contributor)


class _Writer:
    """Makes the generated pages, one ``<page>`` element at a time (see the module docstring)."""

    def __init__(self, pool: Pool, growth: dict[str, Growth], size_bytes: int, seed: int):
        self.pool = pool
        self.growth = growth
        self.rng = np.random.default_rng(seed)
        self.size_bytes = size_bytes
        mean_article = np.mean([a[0] for a in pool.articles]) + XML_OVERHEAD
        self.expected = max(100, int(size_bytes / mean_article))
        self.titles: list[str] = []
        self.title_set: set[str] = set()
        for _ in range(self.expected):
            self.titles.append(self._new_title())
        degrees = np.array(pool.in_degrees, dtype=np.float64)
        weights = degrees[self.rng.integers(0, len(degrees), self.expected)]
        if weights.sum() == 0:
            weights += 1
        self.cumulative = np.cumsum(weights)
        self.aliases: dict[int, list[str]] = {}
        self.anchor_keys: set[str] = set()
        self.redirects = 0
        self.page_id = 0
        self.articles = 0
        self.links = 0
        self.written = 0

    # -- draws
    def _pick(self, items: list[str]) -> str:
        return items[int(self.rng.integers(0, len(items)))]

    def _tokens(self, items: list[str]) -> str:
        count = int(self.rng.choice((1, 2, 3), p=(0.3, 0.45, 0.25)))
        return " ".join(self._pick(items) for _ in range(count))

    def _new_title(self) -> str:
        title = self._tokens(self.pool.title_tokens)
        title = title[:1].upper() + title[1:]
        while title in self.title_set:
            title = f"{title} ({self._pick(self.pool.qualifiers)})"
            if title in self.title_set:
                title = f"{self._tokens(self.pool.title_tokens)} {title}"
                title = title[:1].upper() + title[1:]
        self.title_set.add(title)
        return title

    def _targets(self, count: int) -> np.ndarray:
        draws = self.rng.random(count) * self.cumulative[-1]
        return np.searchsorted(self.cumulative, draws, side="right")

    def _anchor(self, target: int, new: bool) -> str:
        title = self.titles[target]
        known = self.aliases.get(target)
        if known is None:
            self.aliases[target] = [title]
            return title
        if not new:
            return known[0] if self.rng.random() < 0.5 else self._pick(known)
        for _ in range(3):
            if self.rng.random() < 0.3:
                anchor = self._pick(self.pool.anchors)
            else:
                anchor = self._tokens(self.pool.anchor_tokens).lower()
            if anchor.lower() not in self.anchor_keys:
                break
        known.append(anchor)
        return anchor

    def _link(self, target: int, new: bool) -> str:
        title = self.titles[target]
        anchor = self._anchor(target, new)
        self.anchor_keys.add(anchor.lower())
        self.links += 1
        if anchor == title or (anchor[:1].upper() + anchor[1:]) == title:
            return f"[[{anchor}]]"
        return f"[[{title}|{anchor}]]"

    # -- pages
    def _article_text(self) -> str:
        length, out_degree, prose_share = self.pool.articles[
            int(self.rng.integers(0, len(self.pool.articles)))
        ]
        parts: list[list[str]] = []  # a paragraph is a list of sentences; a block is [block]
        blocks: list[bool] = []
        size = 0
        while size < length:
            if self.rng.random() >= prose_share and self.pool.blocks:
                block = self._pick(self.pool.blocks)
                parts.append([block])
                blocks.append(True)
                size += len(block) + 2
            else:
                count = int(self.rng.integers(2, 7))
                sentences = [self._pick(self.pool.sentences) for _ in range(count)]
                parts.append(sentences)
                blocks.append(False)
                size += sum(len(x) + 1 for x in sentences) + 1
        prose = [(p, i) for p, part in enumerate(parts) if not blocks[p] for i in range(len(part))]
        if out_degree and not prose:
            parts.append([self._pick(self.pool.sentences)])
            blocks.append(False)
            prose = [(len(parts) - 1, 0)]
        if out_degree:
            budget = self.growth["anchors"].at(self.written + size)
            targets = self._targets(out_degree)
            places = self.rng.integers(0, len(prose), out_degree)
            inserts: dict[int, list[int]] = {}
            for target, place in zip(targets.tolist(), places.tolist(), strict=True):
                inserts.setdefault(place, []).append(target)
            for place, linked in inserts.items():
                paragraph, index = prose[place]
                words = parts[paragraph][index].split(" ")
                spots = sorted(self.rng.integers(0, len(words) + 1, len(linked)).tolist())
                pieces, cursor = [], 0
                for spot, target in zip(spots, linked, strict=True):
                    pieces.extend(words[cursor:spot])
                    new = len(self.anchor_keys) < budget
                    pieces.append(self._link(target, new))
                    cursor = spot
                pieces.extend(words[cursor:])
                parts[paragraph][index] = " ".join(pieces)
        return "\n\n".join(" ".join(part) for part in parts)

    def _page(self, title: str, text: str, redirect: str | None = None) -> bytes:
        self.page_id += 1
        body = escape(text)
        redirect_tag = f"\n    <redirect title={quoteattr(redirect)} />" if redirect else ""
        return (
            f"  <page>\n    <title>{escape(title)}</title>\n    <ns>0</ns>\n"
            f"    <id>{self.page_id}</id>{redirect_tag}\n    <revision>\n"
            f"      <id>{100_000_000 + self.page_id}</id>\n"
            "      <timestamp>2019-01-01T00:00:00Z</timestamp>\n"
            "      <contributor>\n        <username>Generator</username>\n"
            "        <id>1</id>\n      </contributor>\n"
            "      <model>wikitext</model>\n      <format>text/x-wiki</format>\n"
            f'      <text xml:space="preserve" bytes="{len(text.encode())}">{body}</text>\n'
            "    </revision>\n  </page>\n"
        ).encode()

    def pages(self) -> Iterator[bytes]:
        """Articles, with redirects interleaved as their growth curve asks, up to the size."""
        while self.written < self.size_bytes:
            if self.articles < len(self.titles):
                title = self.titles[self.articles]
            else:
                title = self._new_title()
                self.titles.append(title)
            self.articles += 1
            page = self._page(title, self._article_text())
            self.written += len(page)
            yield page
            while self.redirects < self.growth["redirects"].at(self.written):
                target = int(self._targets(1)[0])
                name = self._new_title()
                self.aliases.setdefault(target, [self.titles[target]])
                if self.rng.random() < 0.5:
                    self.aliases[target].append(name)
                self.redirects += 1
                target_title = self.titles[target]
                page = self._page(name, f"#REDIRECT [[{target_title}]]", redirect=target_title)
                self.written += len(page)
                yield page


def _header(pool: Pool, size_mb: float, seed: int, dbname: str) -> bytes:
    header = re.sub(rb"<dbname>[^<]*</dbname>", f"<dbname>{dbname}</dbname>".encode(), pool.header)
    end = header.index(b"</siteinfo>") + len(b"</siteinfo>")
    note = (
        f"\n  <!-- GENERATED by bench/support/wiki_generate.py (size {size_mb} MB, seed {seed}):"
        " real sentences and blocks of hawiki, nvwiki and an enwiki sample; synthesised titles,"
        " redirects and anchors growing as Heaps' law fitted on the real sample wikis -->\n"
    ).encode()
    return header[:end] + note


def generate_wiki_dump(
    out_path: str | os.PathLike[str],
    size_mb: float,
    seed: int,
    *,
    processes: int = 2,
    dbname: str = "enwiki",
) -> dict:
    """Write a generated multistream ``pages-articles.xml.bz2`` of about ``size_mb`` MB of XML.

    Returns the counts written (pages, articles, redirects, links, distinct anchors, bytes) and
    the growth followed.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fitted = fit_all()
    growth = {name: growth_from_fits(fitted, name) for name in ("redirects", "anchors")}
    pool = load_pool()
    head = _header(pool, size_mb, seed, dbname)
    footer = b"</mediawiki>\n"
    writer = _Writer(pool, growth, int(size_mb * MB) - len(head) - len(footer), seed)
    tmp = out_path.with_name(out_path.name + ".part")
    with open(tmp, "wb") as out:
        write_multistream(out, head, writer.pages(), footer, processes)
    os.replace(tmp, out_path)
    return {
        "pages": writer.page_id,
        "articles": writer.articles,
        "redirects": writer.redirects,
        "links": writer.links,
        "distinct_anchors": len(writer.anchor_keys),
        "xml_bytes": len(head) + writer.written + len(footer),
        "bz2_bytes": out_path.stat().st_size,
        "growth": {k: {"k": g.k, "beta": g.beta} for k, g in growth.items()},
    }
