"""Read HTML pages out of WARC files (WARC/1.0, 1.1, 0.17, 0.18; plain, per-record or
whole-file gzip) with warcio.

HTTP bodies are decoded (chunked transfer encoding and gzip/deflate/br content encoding, which
OAT returned as empty pages) and then turned into text using the HTTP charset, the page's own
`<meta charset>` or a UTF-8 guess (w3lib's `html_to_unicode`). Revisit, request, metadata and
non-HTML records are skipped and counted. A broken or truncated record raises `InputError`
naming the file and the record's byte offset, or, with `skip_broken=True`, ends that file and is
counted.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from w3lib.encoding import html_to_unicode
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from wikiforge.errors import InputError
from wikiforge.tasks.records import (
    HTMLDocument,
    crawl_from_filename,
    registered_domain,
    segment_from_filename,
)

HTML_TYPES = ("text/html", "application/xhtml+xml")
# Pages larger than this are not recipes or how-tos; skipping them bounds memory.
MAX_HTML_BYTES = 16 * 1024 * 1024
_SNIFF = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)", re.I | re.S)


@dataclass
class WarcStats:
    """Counts of what happened to every record read."""

    counts: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def as_metadata(self) -> dict:
        """Flat dict for asset metadata."""
        out: dict[str, object] = {k: int(v) for k, v in sorted(self.counts.items())}
        if self.errors:
            out["errors"] = self.errors[:20]
        return out


def gzip_layout(path: Path) -> str:
    """`plain`, `per-record` (one gzip member per record) or `whole` (one member, many records).

    Decided from the first gzip member alone: if it decompresses to more than its first
    record, the file was gzipped whole and record offsets can only be given uncompressed.
    """
    with path.open("rb") as raw:
        if raw.read(2) != b"\x1f\x8b":
            return "plain"
        raw.seek(0)
        inflater = zlib.decompressobj(31)
        out = bytearray()
        needed = None
        while True:
            chunk = raw.read(65536)
            if not chunk:
                break
            out += inflater.decompress(chunk)
            if needed is None:
                head_end = out.find(b"\r\n\r\n")
                if head_end >= 0:
                    match = re.search(rb"(?im)^content-length:\s*(\d+)", bytes(out[:head_end]))
                    length = int(match.group(1)) if match else 0
                    needed = head_end + 4 + length + 4
            if needed is not None and len(out) > needed + 2:
                return "whole"
            if inflater.eof:
                return "per-record"
        return "per-record"


def _is_html(content_type: str | None, body_start: bytes) -> bool:
    if content_type:
        main = content_type.split(";", 1)[0].strip().lower()
        if main in HTML_TYPES:
            return True
        if main and main not in ("application/octet-stream", "text/plain", "unk", "unknown"):
            return False
    return bool(_SNIFF.match(body_start[:1024]))


def decode_html(body: bytes, content_type: str | None) -> str:
    """Bytes of an HTML page to text: HTTP charset, then `<meta charset>`, then UTF-8."""
    _, text = html_to_unicode(content_type, body)
    return text


def iter_warc_documents(
    path: str | Path,
    stats: WarcStats | None = None,
    *,
    warc_filename: str | None = None,
    crawl: str = "",
    skip_broken: bool = False,
) -> Iterator[HTMLDocument]:
    """Yield one HTMLDocument per successful HTML response record of a WARC file.

    Args:
        path: a `.warc`, `.warc.gz` (per-record or whole-file gzip) file.
        stats: counts are added here (records, html_documents, skipped_* and broken_records).
        warc_filename: the name stored in each document (default: the file's name).
        crawl: crawl id stored in each document (default: read from warcinfo `isPartOf` or
            the file name, e.g. `CC-MAIN-2024-22`).
        skip_broken: count a broken record and stop reading this file instead of raising.

    Raises:
        InputError: a record cannot be parsed or is cut short (file and byte offset given).
    """
    path = Path(path)
    stats = stats if stats is not None else WarcStats()
    name = warc_filename or path.name
    layout = gzip_layout(path)
    stats.counts[f"files_{layout.replace('-', '_')}"] += 1
    with path.open("rb") as raw:
        source: io.BufferedIOBase = gzip.GzipFile(fileobj=raw) if layout == "whole" else raw
        yield from _iter_stream(source, path, name, crawl, stats, skip_broken, layout)


def iter_warc_bytes(
    data: bytes,
    source_name: str,
    stats: WarcStats | None = None,
    *,
    crawl: str = "",
    skip_broken: bool = False,
) -> Iterator[HTMLDocument]:
    """Like `iter_warc_documents` for WARC bytes in memory (e.g. one fetched record)."""
    stats = stats if stats is not None else WarcStats()
    yield from _iter_stream(
        io.BytesIO(data), source_name, source_name, crawl, stats, skip_broken, "bytes"
    )


def _iter_stream(
    source: io.BufferedIOBase,
    path: object,
    name: str,
    crawl: str,
    stats: WarcStats,
    skip_broken: bool,
    layout: str,
) -> Iterator[HTMLDocument]:
    crawl = crawl or crawl_from_filename(name)
    segment = segment_from_filename(name)
    iterator = ArchiveIterator(source, arc2warc=True)
    offset = 0
    try:
        for record in iterator:
            # warcio's `offset` is this record's start; get_record_offset() would consume it.
            offset = int(iterator.offset)
            stats.counts["records"] += 1
            rec_type = record.rec_type
            if rec_type == "warcinfo":
                if not crawl:
                    info = record.content_stream().read(65536)
                    crawl = crawl_from_filename(info.decode("utf-8", "replace"))
                stats.counts["skipped_warcinfo"] += 1
                continue
            if rec_type == "revisit":
                stats.counts["skipped_revisit"] += 1
                continue
            if rec_type != "response":
                stats.counts[f"skipped_{rec_type}"] += 1
                continue
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            if not url.startswith(("http://", "https://")) or record.http_headers is None:
                stats.counts["skipped_non_http"] += 1
                continue
            status = _status_code(record.http_headers.get_statuscode())
            content_type = record.http_headers.get_header("Content-Type")
            try:
                body = record.content_stream().read(MAX_HTML_BYTES + 1)
            except (zlib.error, OSError, ValueError) as exc:
                stats.counts["skipped_undecodable_body"] += 1
                stats.errors.append(f"{path}@{offset}: {exc}")
                continue
            remaining = getattr(record.raw_stream, "limit", 0)
            if len(body) > MAX_HTML_BYTES:
                stats.counts["skipped_too_large"] += 1
                continue
            if remaining and remaining > 0:
                raise InputError(
                    path, offset, f"record cut short: {remaining} bytes of its body are missing"
                )
            if not _is_html(content_type, body):
                stats.counts["skipped_non_html"] += 1
                continue
            if not 200 <= status < 300:
                stats.counts["skipped_http_status"] += 1
                continue
            html = decode_html(body, content_type)
            stats.counts["html_documents"] += 1
            length = iterator.get_record_length() if layout != "whole" else -1
            yield HTMLDocument(
                url=url,
                html=html,
                url_host_registered_domain=registered_domain(url),
                fetch_time=record.rec_headers.get_header("WARC-Date") or "",
                fetch_status=status,
                warc_filename=name,
                warc_record_offset=offset,
                warc_record_length=length if length is not None else -1,
                warc_segment=segment,
                crawl=crawl,
            )
    except (ArchiveLoadFailed, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        where = _next_offset(iterator, offset)
        message = " ".join(str(exc).split())[:300]
        if not skip_broken:
            raise InputError(path, where, f"broken WARC record: {message}") from exc
        stats.counts["broken_records"] += 1
        stats.errors.append(f"{path}@{where}: {message}")
    except InputError as exc:
        if not skip_broken:
            raise
        stats.counts["broken_records"] += 1
        stats.errors.append(str(exc))


def _next_offset(iterator: ArchiveIterator, fallback: int) -> int:
    """Best byte offset of the record being read when warcio failed."""
    try:
        return int(iterator.offset)
    except (AttributeError, TypeError, ValueError):
        return fallback


def _status_code(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
