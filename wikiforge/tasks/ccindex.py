"""Fetch pages listed in a Common Crawl index CSV with HTTP Range requests.

The CSV has OAT's columns (`url, url_host_registered_domain, fetch_time, fetch_status,
warc_filename, warc_record_offset, warc_record_length, warc_segment, crawl`). Each row becomes
`GET <base_url>/<warc_filename>` with `Range: bytes=offset-(offset+length-1)`; the returned
gzip member is read as a WARC record (so chunked and gzip-encoded bodies are decoded, which OAT
did not do). Unlike OAT's fetcher: a bounded thread pool with a bounded number of requests in
flight, a per-request timeout, retries with exponential backoff that stop after `max_retries`,
and every failed row reported (not lost in worker processes). Results come back in CSV order.
"""

from __future__ import annotations

import csv
import io
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyarrow as pa

from wikiforge.errors import InputError
from wikiforge.tasks.records import HTMLDocument
from wikiforge.tasks.warc import WarcStats, iter_warc_bytes

INDEX_COLUMNS = (
    "url",
    "url_host_registered_domain",
    "fetch_time",
    "fetch_status",
    "warc_filename",
    "warc_record_offset",
    "warc_record_length",
    "warc_segment",
    "crawl",
)

FAILED_FETCH_SCHEMA = pa.schema(
    [
        pa.field("row", pa.int64()),
        pa.field("url", pa.string()),
        pa.field("warc_filename", pa.string()),
        pa.field("warc_record_offset", pa.int64()),
        pa.field("warc_record_length", pa.int64()),
        pa.field("attempts", pa.int32()),
        pa.field("error", pa.string()),
    ]
)

# Answers worth another try; anything else (404, 416, ...) fails at once.
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class IndexRow:
    """One line of the index CSV (`row` is its 1-based data line number)."""

    row: int
    url: str
    url_host_registered_domain: str
    fetch_time: str
    fetch_status: int
    warc_filename: str
    warc_record_offset: int
    warc_record_length: int
    warc_segment: str
    crawl: str


@dataclass(frozen=True, slots=True)
class FailedFetch:
    """A row that produced no document, and why."""

    row: int
    url: str
    warc_filename: str
    warc_record_offset: int
    warc_record_length: int
    attempts: int
    error: str


@dataclass
class FetchConfig:
    """How to fetch: where from, how many at once, how patiently."""

    base_url: str = "https://data.commoncrawl.org"
    workers: int = 8
    timeout_s: float = 10.0
    max_retries: int = 3
    backoff_s: float = 0.5
    backoff_max_s: float = 8.0
    user_agent: str = "wikiforge-tasks/0.1 (+cc-index range fetcher)"


@dataclass
class FetchStats:
    """What the fetch did, for asset metadata."""

    counts: Counter = field(default_factory=Counter)
    failures: list[FailedFetch] = field(default_factory=list)
    warc: WarcStats = field(default_factory=WarcStats)

    def failures_table(self) -> pa.Table:
        """Failed rows as an Arrow table (`FAILED_FETCH_SCHEMA`)."""
        cols = {f.name: [getattr(x, f.name) for x in self.failures] for f in FAILED_FETCH_SCHEMA}
        return pa.table(cols, schema=FAILED_FETCH_SCHEMA)

    def as_metadata(self) -> dict:
        """Flat dict for asset metadata."""
        out = {k: int(v) for k, v in sorted(self.counts.items())}
        out.update({f"warc_{k}": v for k, v in self.warc.as_metadata().items() if k != "errors"})
        return out


def read_index_csv(path: str | Path) -> Iterator[IndexRow]:
    """Stream the rows of an index CSV (header required; OAT's column names).

    Raises:
        InputError: a required column is missing, or a row has a non-integer offset/length.
    """
    path = Path(path)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [
            c
            for c in ("url", "warc_filename", "warc_record_offset", "warc_record_length")
            if c not in (reader.fieldnames or [])
        ]
        if missing:
            raise InputError(path, 1, f"index CSV lacks columns {missing}")
        for number, record in enumerate(reader, start=1):
            try:
                offset = int(record["warc_record_offset"])
                length = int(record["warc_record_length"])
                status = int(record.get("fetch_status") or 0)
            except (TypeError, ValueError) as exc:
                raise InputError(path, f"line {number + 1}", f"bad integer field: {exc}") from exc
            if offset < 0 or length <= 0:
                raise InputError(path, f"line {number + 1}", "offset/length out of range")
            yield IndexRow(
                row=number,
                url=record["url"],
                url_host_registered_domain=record.get("url_host_registered_domain") or "",
                fetch_time=record.get("fetch_time") or "",
                fetch_status=status,
                warc_filename=record["warc_filename"],
                warc_record_offset=offset,
                warc_record_length=length,
                # Kept as written: a float parse would lose digits of the segment id.
                warc_segment=record.get("warc_segment") or "",
                crawl=record.get("crawl") or "",
            )


class _Failure(Exception):
    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def _fetch_once(client: httpx.Client, config: FetchConfig, row: IndexRow) -> bytes:
    url = f"{config.base_url.rstrip('/')}/{row.warc_filename.lstrip('/')}"
    end = row.warc_record_offset + row.warc_record_length - 1
    headers = {"Range": f"bytes={row.warc_record_offset}-{end}"}
    try:
        response = client.get(url, headers=headers, timeout=config.timeout_s)
    except httpx.TimeoutException as exc:
        raise _Failure(f"timeout after {config.timeout_s}s ({type(exc).__name__})", True) from exc
    except httpx.TransportError as exc:
        raise _Failure(f"transport error: {exc}", True) from exc
    if response.status_code in RETRYABLE_STATUS:
        raise _Failure(f"HTTP {response.status_code}", True)
    if response.status_code == 200:
        # A server that ignores Range sends the whole file; cut our record out of it.
        body = response.content[row.warc_record_offset : end + 1]
    elif response.status_code == 206:
        body = response.content
    else:
        raise _Failure(f"HTTP {response.status_code}", False)
    if len(body) != row.warc_record_length:
        raise _Failure(f"short body: {len(body)} of {row.warc_record_length} bytes", True)
    return body


def fetch_record(
    client: httpx.Client, config: FetchConfig, row: IndexRow, sleep=time.sleep
) -> tuple[bytes | None, int, str]:
    """Fetch one record's bytes with retries; returns (bytes or None, attempts, last error)."""
    attempts = 0
    delay = config.backoff_s
    while True:
        attempts += 1
        try:
            return _fetch_once(client, config, row), attempts, ""
        except _Failure as failure:
            if not failure.retryable or attempts > config.max_retries:
                return None, attempts, str(failure)
            sleep(min(delay, config.backoff_max_s))
            delay *= 2


def _to_documents(row: IndexRow, data: bytes, stats: FetchStats) -> tuple[list[HTMLDocument], str]:
    """Parse the fetched gzip member into documents carrying the CSV's index fields."""
    try:
        parsed = list(iter_warc_bytes(data, row.warc_filename, stats.warc, crawl=row.crawl))
    except InputError as exc:
        return [], f"broken record: {exc.message}"
    docs = [
        HTMLDocument(
            url=row.url or doc.url,
            html=doc.html,
            url_host_registered_domain=row.url_host_registered_domain
            or doc.url_host_registered_domain,
            fetch_time=row.fetch_time or doc.fetch_time,
            fetch_status=row.fetch_status or doc.fetch_status,
            warc_filename=row.warc_filename,
            warc_record_offset=row.warc_record_offset,
            warc_record_length=row.warc_record_length,
            warc_segment=row.warc_segment or doc.warc_segment,
            crawl=row.crawl or doc.crawl,
        )
        for doc in parsed
    ]
    return docs, "" if docs else "no HTML response in record"


def fetch_index_rows(
    rows: Iterable[IndexRow],
    config: FetchConfig | None = None,
    stats: FetchStats | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
) -> Iterator[HTMLDocument]:
    """Fetch every row and yield its HTMLDocument, in row order.

    At most `2 * workers` requests are in flight, so memory stays bounded however long the
    CSV is. Rows that fail (after retries) or hold no HTML page are added to
    `stats.failures` (with the row number, attempts and the error) and counted.
    """
    config = config or FetchConfig()
    stats = stats if stats is not None else FetchStats()
    limits = httpx.Limits(max_connections=config.workers, max_keepalive_connections=config.workers)
    headers = {"User-Agent": config.user_agent, "Accept-Encoding": "identity"}
    with (
        httpx.Client(limits=limits, headers=headers, transport=transport) as client,
        ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="ccfetch") as pool,
    ):
        pending: list[tuple[IndexRow, Future]] = []
        for row in rows:
            pending.append((row, pool.submit(fetch_record, client, config, row)))
            if len(pending) >= 2 * config.workers:
                yield from _drain(pending.pop(0), stats)
        while pending:
            yield from _drain(pending.pop(0), stats)


def _drain(item: tuple[IndexRow, Future], stats: FetchStats) -> Iterator[HTMLDocument]:
    row, future = item
    data, attempts, error = future.result()
    stats.counts["rows"] += 1
    stats.counts["requests"] += attempts
    stats.counts["retries"] += max(0, attempts - 1)
    if data is not None:
        docs, error = _to_documents(row, data, stats)
        if docs:
            stats.counts["fetched"] += 1
            yield from docs
            return
    stats.counts["failed"] += 1
    stats.failures.append(
        FailedFetch(
            row=row.row,
            url=row.url,
            warc_filename=row.warc_filename,
            warc_record_offset=row.warc_record_offset,
            warc_record_length=row.warc_record_length,
            attempts=attempts,
            error=error,
        )
    )


def write_index_csv(rows: Iterable[dict], out: io.TextIOBase) -> None:
    """Write dicts with `INDEX_COLUMNS` as an index CSV (used to build test and bench inputs)."""
    writer = csv.DictWriter(out, fieldnames=list(INDEX_COLUMNS), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
