"""Seeded generators of QRank inputs, resampled from the real sample files.

Everything here is *generated* data, for benchmarks and the demo; every file written says so in
``samples/PROVENANCE.md`` (demo) or in the benchmark's output (bench). Same arguments, same bytes.

* ``generate_wikidata_dump``: a ``.json.bz2`` dump whose entity lines are real entities from the
  bundled samples, byte for byte, drawn with replacement; only the top-level id is renumbered.
* ``generate_pageviews_month``: a month of ``pageview_complete`` daily ``-user`` files of a given
  total line count, with wiki codes and titles drawn from real page-view and sitelink titles
  (suffixed ``_(n)`` to make as many distinct pages as needed) and Zipf-shaped daily views.
* ``generate_demo_pageviews``: twelve months of small daily files for the sitelinks of the
  bundled Wikidata slice, Zipf-shaped per entity, with one-month spikes on chosen entities.
"""

from __future__ import annotations

import bz2
import calendar
import json
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from wikiforge.wikidata.reader import iter_entities

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DUMPS = [
    REPO_ROOT / "samples/fixtures/wikidata/wikidata-twenty-entities-raw.json.bz2",
    REPO_ROOT / "samples/dumps/wikidatawiki/entities/20190101/wikidata-20190101-all.json.bz2",
]
SAMPLE_VIEW_DIR = REPO_ROOT / "samples/dumps/other/pageview_complete/2023/2023-03"
SAMPLE_PAGECOUNTS = REPO_ROOT / "samples/fixtures/pageviews/horizons-pagecounts-raw-sample.data"
_HEAD_ID = re.compile(rb'^(\s*\{.*?"id"\s*:\s*")([^"]*)(")', re.S)
_HOUR_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWX"


def _renumber(line: bytes, number: int) -> bytes:
    match = _HEAD_ID.match(line[:400])
    if match is None:
        return line
    return line[: match.start(2)] + f"Q{number}".encode() + line[match.end(2) :]


def generate_wikidata_dump(
    out_path: str | os.PathLike,
    entities: int,
    seed: int,
    sources: Sequence[str | os.PathLike] | None = None,
) -> Path:
    """Write a Wikidata JSON dump (``.json.bz2``) of ``entities`` real entities resampled.

    Args:
        out_path: The file to write.
        entities: How many entity lines.
        seed: Seed of the resampling.
        sources: Dumps to draw entities from (default: both bundled samples).

    Returns:
        The path written.
    """
    pool = [e for src in (sources or SAMPLE_DUMPS) for e in iter_entities(src)]
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(pool), size=entities)
    out_path = Path(out_path)
    tmp = out_path.with_name(out_path.name + ".tmp")
    compressor = bz2.BZ2Compressor(9)
    with open(tmp, "wb") as f:
        f.write(compressor.compress(b"[\n"))
        for number, pick in enumerate(picks, start=1):
            sep = b",\n" if number < entities else b"\n"
            f.write(compressor.compress(_renumber(pool[pick], number) + sep))
        f.write(compressor.compress(b"]\n"))
        f.write(compressor.flush())
    os.replace(tmp, out_path)
    return out_path


def _real_titles() -> list[tuple[str, str]]:
    """(wiki code, title) pairs from the bundled real view files and sitelinks."""
    from wikiforge.qrank.pageviews import parse_pagecounts_line, parse_pageview_complete_line

    pairs: set[tuple[str, str]] = set()
    for path in sorted(SAMPLE_VIEW_DIR.glob("*.bz2")):
        with bz2.open(path) as lines:
            for line in lines:
                row = parse_pageview_complete_line(line)
                if row:
                    pairs.add((row[0], row[1]))
    suffixes = {
        "": "wikipedia",
        "b": "wikibooks",
        "d": "wiktionary",
        "q": "wikiquote",
        "s": "wikisource",
        "v": "wikiversity",
        "voy": "wikivoyage",
    }
    with open(SAMPLE_PAGECOUNTS, "rb") as f:
        for line in f:
            row = parse_pagecounts_line(line)
            if row:
                lang, _, suffix = row[0].partition(".")
                if suffix in suffixes:
                    pairs.add((f"{lang}.{suffixes[suffix]}", row[1]))
    for site, title in _sample_sitelinks(SAMPLE_DUMPS[1]):
        code = site_to_view_code(site)
        if code:
            pairs.add((code, title.replace(" ", "_")))
    return sorted(pairs)


def _sample_sitelinks(dump: str | os.PathLike) -> list[tuple[str, str]]:
    from wikiforge.wikidata.entities import extract_sitelinks

    return [link for e in iter_entities(dump) for link in extract_sitelinks(e).sitelinks]


_SPECIAL_VIEW_CODES = {
    "commonswiki": "commons.wikimedia",
    "metawiki": "meta.wikimedia",
    "specieswiki": "species.wikimedia",
    "wikidatawiki": "www.wikidata",
    "mediawikiwiki": "www.mediawiki",
    "sourceswiki": "www.wikisource",
}


def site_to_view_code(site: str) -> str | None:
    """The ``pageview_complete`` wiki code for a sitelink site (``dewiki`` -> ``de.wikipedia``)."""
    if site in _SPECIAL_VIEW_CODES:
        return _SPECIAL_VIEW_CODES[site]
    at = site.find("wiki")
    if at <= 0:
        return None
    lang = site[:at].replace("_", "-")
    rest = site[at:]
    return f"{lang}.{'wikipedia' if rest == 'wiki' else rest}"


def _zipf_weights(n: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** exponent
    return weights / weights.sum()


def _expected_lines(total_views: float, weights: np.ndarray, desktop_share: float) -> float:
    lam = total_views * weights
    return float(
        np.sum(-np.expm1(-desktop_share * lam)) + np.sum(-np.expm1(-(1 - desktop_share) * lam))
    )


def _write_day(
    path: Path,
    codes: list[str],
    titles: list[str],
    desktop: np.ndarray,
    mobile: np.ndarray,
    hour_seed: int,
) -> int:
    lines = []
    hours = np.random.default_rng(hour_seed).integers(0, 24, size=len(codes))
    for i in np.flatnonzero((desktop > 0) | (mobile > 0)):
        letter = _HOUR_LETTERS[hours[i]]
        if desktop[i]:
            lines.append(f"{codes[i]} {titles[i]} null desktop {desktop[i]} {letter}{desktop[i]}")
        if mobile[i]:
            lines.append(f"{codes[i]} {titles[i]} null mobile-web {mobile[i]} {letter}{mobile[i]}")
    tmp = path.with_name(path.name + ".tmp")
    with bz2.open(tmp, "wb", compresslevel=9) as f:
        f.write(("\n".join(lines) + ("\n" if lines else "")).encode("utf-8"))
    os.replace(tmp, path)
    return len(lines)


_VOCABULARY: dict[str, object] = {}


def _set_vocabulary(codes: list[str], titles: list[str], lam: np.ndarray) -> None:
    """Pool initializer: each worker receives the page vocabulary once, not once per day."""
    _VOCABULARY.update(codes=codes, titles=titles, lam=lam)


def _day_task(args) -> int:
    path, seed, desktop_share = args
    lam = _VOCABULARY["lam"]
    rng = np.random.default_rng(seed)
    desktop = rng.poisson(lam * desktop_share)
    mobile = rng.poisson(lam * (1 - desktop_share))
    return _write_day(
        Path(path), _VOCABULARY["codes"], _VOCABULARY["titles"], desktop, mobile, seed + 1
    )


def generate_pageviews_month(
    out_dir: str | os.PathLike,
    lines: int,
    seed: int,
    month: str = "2018-01",
    exponent: float = 1.05,
    workers: int = 1,
) -> list[Path]:
    """Write one month of ``pageview_complete`` daily ``-user`` files, about ``lines`` in total.

    The pages are real (wiki code, title) pairs from the bundled samples, each also suffixed
    ``_(n)`` to give as many distinct pages as the line count needs (3 per expected daily line).
    A page's daily views are Poisson around a Zipf weight (``exponent``), split into desktop
    (55 %) and mobile-web lines; a day's file lists its pages sorted by wiki code and title, as
    Wikimedia's do. The total is calibrated so that the expected line count is ``lines``.

    Args:
        out_dir: Folder for ``pageviews-YYYYMMDD-user.bz2`` files.
        lines: Wanted total line count over the month (met within a fraction of a percent).
        seed: Seed for everything random.
        month: ``YYYY-MM``.
        exponent: Zipf exponent of page popularity.
        workers: Processes writing days in parallel (bzip2 compression dominates).

    Returns:
        The files written, in day order.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    year, mon = int(month[:4]), int(month[5:7])
    days = calendar.monthrange(year, mon)[1]
    per_day = max(1, lines // days)
    base = _real_titles()
    vocabulary = max(len(base), per_day * 3)
    codes, titles = [], []
    for n in range(math.ceil(vocabulary / len(base))):
        for code, title in base:
            codes.append(code)
            titles.append(title if n == 0 else f"{title}_({n})")
    codes, titles = codes[:vocabulary], titles[:vocabulary]
    rng = np.random.default_rng(seed)
    popularity = rng.permutation(vocabulary)  # page i gets Zipf rank popularity[i]
    weights = _zipf_weights(vocabulary, exponent)[popularity]
    order = sorted(range(vocabulary), key=lambda i: (codes[i], titles[i]))
    codes = [codes[i] for i in order]
    titles = [titles[i] for i in order]
    weights = weights[order]
    desktop_share = 0.55
    low, high = 1.0, 1e12
    for _ in range(100):  # bisect the daily total views that gives per_day expected lines
        mid = math.sqrt(low * high)
        if _expected_lines(mid, weights, desktop_share) < per_day:
            low = mid
        else:
            high = mid
    lam = high * weights
    tasks = []
    paths = []
    for day in range(1, days + 1):
        path = out / f"pageviews-{year:04d}{mon:02d}{day:02d}-user.bz2"
        paths.append(path)
        tasks.append((str(path), seed * 1000 + day, desktop_share))
    if workers > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_set_vocabulary,
            initargs=(codes, titles, lam),
        ) as pool:
            list(pool.map(_day_task, tasks))
    else:
        _set_vocabulary(codes, titles, lam)
        for task in tasks:
            _day_task(task)
    return paths


def generate_demo_pageviews(
    root: str | os.PathLike,
    dump_path: str | os.PathLike,
    seed: int = 20190101,
    months: Sequence[str] = tuple(f"2018-{m:02d}" for m in range(1, 13)),
    spikes: dict[str, tuple[str, float]] | None = None,
    day: int = 15,
    total_monthly_views: float = 6_000.0,
) -> list[Path]:
    """Write small demo ``pageview_complete`` files for the sitelinks of a Wikidata dump.

    One day (``day``) per month stands for the month. Each entity gets a Zipf-shaped popularity
    (exponent 1, ranked by its sitelink count times log-normal noise), shared out over its
    sitelinks with a per-wiki preference; each
    month varies by +-20 %. ``spikes`` maps an entity id to (month, multiple of the top
    entity's monthly views) for one-month spikes.

    Args:
        root: The dumps root; files go to ``other/pageview_complete/YYYY/YYYY-MM/``.
        dump_path: The Wikidata dump whose sitelinks get views.
        seed: Seed for everything random.
        months: The months to write.
        spikes: Entity id -> (``YYYY-MM``, multiple of the most viewed entity's month).
        day: The day of the month written.
        total_monthly_views: Expected views of all pages together per month.

    Returns:
        The files written.
    """
    from wikiforge.wikidata.entities import extract_sitelinks

    rng = np.random.default_rng(seed)
    entities = [extract_sitelinks(e) for e in iter_entities(dump_path)]
    entities.sort(key=lambda e: int(e.id[1:]))
    # Famous entities have many sitelinks: rank popularity by sitelink count, with noise.
    score = np.array([len(e.sitelinks) for e in entities]) * rng.lognormal(0, 0.5, len(entities))
    popularity_rank = np.empty(len(entities), dtype=np.int64)
    popularity_rank[np.argsort(-score, kind="stable")] = np.arange(len(entities))
    entity_weights = _zipf_weights(len(entities), 1.0)[popularity_rank]
    pages: list[tuple[str, str, int]] = []  # (code, title, entity index)
    page_weights: list[float] = []
    for index, entity in enumerate(entities):
        links = [(site_to_view_code(s), t.replace(" ", "_")) for s, t in entity.sitelinks]
        links = [(c, t) for c, t in links if c]
        if not links:
            continue
        prefs = np.array([5.0 if c == "en.wikipedia" else 1.0 for c, _ in links])
        prefs *= rng.uniform(0.2, 1.0, size=len(links))
        prefs /= prefs.sum()
        for (code, title), share in zip(links, prefs, strict=True):
            pages.append((code, title, index))
            page_weights.append(entity_weights[index] * share)
    weights = np.array(page_weights)
    top_entity_month = total_monthly_views * float(entity_weights.max())
    spikes = spikes or {}
    spike_by_index = {i: spikes[e.id] for i, e in enumerate(entities) if e.id in spikes}
    order = sorted(range(len(pages)), key=lambda i: (pages[i][0], pages[i][1]))
    written = []
    for month in months:
        year, mon = int(month[:4]), int(month[5:7])
        season = rng.uniform(0.8, 1.2, size=len(entities))
        lam = total_monthly_views * weights * season[[p[2] for p in pages]]
        for index, (spike_month, multiple) in spike_by_index.items():
            if spike_month == month:
                members = [i for i, p in enumerate(pages) if p[2] == index]
                share = weights[members] / weights[members].sum()
                lam[members] += multiple * top_entity_month * share
        desktop = rng.poisson(lam * 0.55)
        mobile = rng.poisson(lam * 0.45)
        out = Path(root) / "other" / "pageview_complete" / f"{year:04d}" / month
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"pageviews-{year:04d}{mon:02d}{day:02d}-user.bz2"
        _write_day(
            path,
            [pages[i][0] for i in order],
            [pages[i][1] for i in order],
            desktop[order],
            mobile[order],
            seed + mon,
        )
        written.append(path)
    return written


def describe(paths: Sequence[Path]) -> dict[str, object]:
    """Line and byte counts of generated files, for provenance notes and bench output."""
    total_lines = 0
    total_bytes = 0
    for path in paths:
        total_bytes += path.stat().st_size
        with bz2.open(path) as f:
            total_lines += sum(1 for _ in f)
    return {"files": len(paths), "lines": total_lines, "bytes": total_bytes}


if __name__ == "__main__":  # pragma: no cover - a convenience for regenerating the demo files
    import sys

    print(json.dumps(describe(generate_demo_pageviews(sys.argv[1], sys.argv[2])), indent=2))
