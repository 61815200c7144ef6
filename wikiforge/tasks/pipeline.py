"""Streaming steps the tasks assets call: documents -> TaskMaps -> filtered -> augmented.

Each function reads and writes length-delimited TaskMap files and returns counts for metadata,
so the Dagster assets stay a few lines and tests can run the same code without Dagster.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from wikiforge.tasks.augmenters import augment
from wikiforge.tasks.ccindex import FetchConfig, FetchStats, fetch_index_rows, read_index_csv
from wikiforge.tasks.filters import filter_taskmaps
from wikiforge.tasks.pages import iter_page_folder, read_page
from wikiforge.tasks.parsers import parse_document
from wikiforge.tasks.proto import TaskMap
from wikiforge.tasks.records import HTML_DOCUMENT_SCHEMA, HTMLDocument, documents_to_table
from wikiforge.tasks.stream import frame, read_file
from wikiforge.tasks.warc import WarcStats, iter_warc_documents

BATCH_ROWS = 256


def crawl_documents(
    crawl: str,
    warcs: Iterable[Path] = (),
    index_csv: Path | None = None,
    html_files: Iterable[Path] = (),
    html_root: Path | None = None,
    fetch: FetchConfig | None = None,
    stats: dict | None = None,
) -> Iterator[HTMLDocument]:
    """Every HTML document of a crawl: WARC files, then index-CSV fetches, then saved pages.

    Broken WARC records end their file and are counted; failed fetches are listed in
    `stats["failed_fetches"]`.
    """
    stats = stats if stats is not None else {}
    warc_stats = WarcStats()
    for path in warcs:
        yield from iter_warc_documents(path, warc_stats, crawl=crawl, skip_broken=True)
    stats.update({f"warc_{k}": v for k, v in warc_stats.as_metadata().items()})
    if index_csv is not None:
        fetch_stats = FetchStats()
        yield from fetch_index_rows(read_index_csv(index_csv), fetch or FetchConfig(), fetch_stats)
        stats.update({f"fetch_{k}": v for k, v in fetch_stats.as_metadata().items()})
        stats["failed_fetches"] = [
            f.__dict__ if hasattr(f, "__dict__") else {n: getattr(f, n) for n in f.__slots__}
            for f in fetch_stats.failures[:100]
        ]
    pages: Counter = Counter()
    for path in html_files:
        doc = read_page(path)
        name = str(path.relative_to(html_root)) if html_root else path.name
        pages["html_documents"] += 1
        yield HTMLDocument(**{**doc.to_row(), "warc_filename": name, "crawl": crawl})
    stats.update({f"pages_{k}": v for k, v in pages.items()})


def document_batches(documents: Iterable[HTMLDocument]) -> Iterator[pa.Table]:
    """Documents as Arrow tables of `BATCH_ROWS` rows (`HTML_DOCUMENT_SCHEMA`)."""
    batch: list[HTMLDocument] = []
    for doc in documents:
        batch.append(doc)
        if len(batch) >= BATCH_ROWS:
            yield documents_to_table(batch)
            batch = []
    if batch:
        yield documents_to_table(batch)


FAILURE_SCHEMA = pa.schema([("url", pa.string()), ("reason", pa.string()), ("layer", pa.string())])


def _failure_reason(reason: str) -> str:
    """The reason without the parser's detail ("unparseable_html: empty page" -> kind)."""
    return reason.split(": ", 1)[0]


def parse_batches(
    batches: Iterable[pa.RecordBatch], out_path: Path, failures_path: Path | None = None
) -> dict:
    """Parse every document of the batches into TaskMaps written to `out_path`; every page
    that gives none is a row (url, reason, layer) of the failure table at `failures_path`.
    """
    counts: Counter = Counter()
    layers: Counter = Counter()
    failures: dict[str, list[str]] = {"url": [], "reason": [], "layer": []}
    seen: set[str] = set()
    with out_path.open("wb") as out:
        for batch in batches:
            for row in batch.to_pylist():
                counts["documents"] += 1
                result = parse_document(row["html"], row["url"])
                reason = _failure_reason(result.reason)
                if result.taskmap is not None and result.taskmap.taskmap_id in seen:
                    reason = "duplicate_url"
                if result.taskmap is None or reason == "duplicate_url":
                    counts[f"rejected_{reason}"] += 1
                    for key, value in (("url", row["url"]), ("reason", reason)):
                        failures[key].append(value)
                    failures["layer"].append(result.parser)
                    continue
                seen.add(result.taskmap.taskmap_id)
                layers[result.parser] += 1
                counts["taskmaps"] += 1
                out.write(frame(result.taskmap))
    if failures_path is not None:
        pq.write_table(pa.table(failures, schema=FAILURE_SCHEMA), failures_path)
    return {**dict(counts), "parsers": dict(layers)}


def filter_file(in_path: Path, out_path: Path, stats_path: Path) -> dict:
    """Filter a TaskMap file; writes the survivors and a JSON of every filter's stats."""
    kept, stats = filter_taskmaps(lambda: read_file(in_path, TaskMap))
    count = 0
    with out_path.open("wb") as out:
        for taskmap in kept:
            out.write(frame(taskmap))
            count += 1
    summary = {name: s.as_dict() for name, s in stats.items()}
    stats_path.write_text(json.dumps(summary, indent=1, sort_keys=True))
    return {"kept": count, **{f"{n}_failed": s.failed for n, s in stats.items()}}


def augment_file(in_path: Path, out_path: Path, max_words: int = 60) -> dict:
    """Augment every TaskMap of a file; returns what the augmenters changed."""
    counts: Counter = Counter()
    with out_path.open("wb") as out:
        for taskmap in read_file(in_path, TaskMap):
            out.write(frame(augment(taskmap, counts, max_words)))
    return dict(counts)


__all__ = [
    "HTML_DOCUMENT_SCHEMA",
    "augment_file",
    "crawl_documents",
    "document_batches",
    "filter_file",
    "iter_page_folder",
    "parse_batches",
]
