"""QRank: the ranking file and its stats for download, and one entity's rank.

Downloads behave as the reference's server did and as HTTP caches expect: ``ETag`` is the
file's sha256 in quotes, ``Last-Modified`` its publication time, ``If-None-Match`` and
``If-Modified-Since`` answer 304, a single ``Range`` answers 206 (416 when unsatisfiable),
every response carries ``Access-Control-Allow-Origin: *`` and ``OPTIONS`` answers a CORS
preflight. The file is opened once per request from the published version, so a new ranking
replaces the old one atomically while requests in flight finish on the old bytes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from email.utils import formatdate, parsedate_to_datetime
from typing import Annotated, Literal

from litestar import Controller, HttpMethod, Request, Response, get, head, route
from litestar.params import Parameter
from litestar.response import Stream

from serving.schemas.qrank import QRankEntry
from serving.services.errors import NotFound
from serving.services.qrank import QRankService

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Content-Length, Content-Range, "
    "Accept-Ranges",
}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since, If-Range, Range",
    "Access-Control-Max-Age": "86400",
}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 1 << 20


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    tags = [t.strip() for t in header.split(",")]
    return any((t[2:] if t.startswith("W/") else t) == etag for t in tags)


def _not_modified_since(header: str, mtime: float) -> bool:
    try:
        since = parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
    return int(mtime) <= since


def _byte_range(header: str, size: int) -> tuple[int, int] | None | Literal[False]:
    """(first, last) byte of a single satisfiable range; None to ignore; False if unsatisfiable."""
    match = _RANGE.match(header.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        return None  # not a single byte range we serve: answer with the whole file
    if not match.group(1):
        length = int(match.group(2))
        if length == 0:
            return False
        return max(0, size - length), size - 1
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) else size - 1
    if first >= size or last < first:
        return False
    return first, min(last, size - 1)


def _read(handle, first: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(first)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _download(request: Request, qrank: QRankService, name: str, *, body: bool) -> Response:
    download = qrank.download(name)
    try:
        handle = open(download.path, "rb")  # noqa: SIM115 - closed by the streaming generator
    except FileNotFoundError as exc:
        raise NotFound(f"{name} is not in the published version") from exc
    content_type = download.content_type
    stat = os.fstat(handle.fileno())
    size, mtime = stat.st_size, stat.st_mtime
    etag = f'"{download.sha256}"'
    headers = {
        **CORS_HEADERS,
        "ETag": etag,
        "Last-Modified": formatdate(mtime, usegmt=True),
        "Accept-Ranges": "bytes",
        "Cache-Control": "public, max-age=300",
    }
    if_none_match = request.headers.get("if-none-match")
    if_modified_since = request.headers.get("if-modified-since")
    not_modified = (
        _etag_matches(if_none_match, etag)
        if if_none_match is not None
        else if_modified_since is not None and _not_modified_since(if_modified_since, mtime)
    )
    if not_modified:
        handle.close()
        return Response(content=b"", status_code=304, headers=headers)
    status, first, length = 200, 0, size
    range_header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if range_header and (if_range is None or if_range.strip() == etag):
        wanted = _byte_range(range_header, size)
        if wanted is False:
            handle.close()
            return Response(
                content=b"",
                status_code=416,
                headers={**headers, "Content-Range": f"bytes */{size}"},
            )
        if wanted is not None:
            status, first, length = 206, wanted[0], wanted[1] - wanted[0] + 1
            headers["Content-Range"] = f"bytes {wanted[0]}-{wanted[1]}/{size}"
    headers["Content-Length"] = str(length)
    if not body:
        handle.close()
        return Response(content=b"", status_code=status, headers=headers, media_type=content_type)
    return Stream(
        _read(handle, first, length), status_code=status, headers=headers, media_type=content_type
    )


class QRankController(Controller):
    """The QRank ranking: entity lookups and the published download, with ETags."""

    path = "/"
    tags = ["qrank"]

    # Litestar registers a controller's handlers sorted by qualified name and adds its own
    # OPTIONS answer to a path unless an OPTIONS handler comes first: hence this name.
    @route(
        "/download/{name:str}",
        http_method=HttpMethod.OPTIONS,
        operation_id="preflightQRank",
        summary="CORS preflight",
        sync_to_thread=False,
        include_in_schema=False,
    )
    def cors_preflight(self, name: Annotated[str, Parameter()]) -> Response:
        """Answers a CORS preflight: any origin may GET or HEAD the downloads."""
        return Response(content=b"", status_code=204, headers=PREFLIGHT_HEADERS)

    @get(
        "/download/{name:str}",
        operation_id="downloadQRank",
        summary="Download the ranking",
        sync_to_thread=True,
    )
    def download(
        self,
        request: Request,
        qrank: QRankService,
        name: Annotated[
            str, Parameter(description="qrank.csv.gz, qrank-stats.json or qrank-distribution.png")
        ],
    ) -> Response:
        """The newest `qrank.csv.gz` (header `Entity,QRank`, views descending), its stats JSON
        or its distribution plot, with ETag/Last-Modified validators, Range and CORS.
        """
        return _download(request, qrank, name, body=True)

    @head(
        "/download/{name:str}",
        operation_id="headQRank",
        summary="Download headers",
        sync_to_thread=True,
    )
    def download_head(
        self, request: Request, qrank: QRankService, name: Annotated[str, Parameter()]
    ) -> Response[None]:
        """The headers a GET of the same download would send, without the body."""
        return _download(request, qrank, name, body=False)

    @get(
        "/v1/qrank/{qid:str}",
        operation_id="getQRank",
        summary="One entity's rank",
        sync_to_thread=True,
    )
    def entity_rank(
        self,
        qrank: QRankService,
        qid: Annotated[str, Parameter(description="A Wikidata item id, e.g. Q42")],
    ) -> QRankEntry:
        """The rank and 12-month views of one entity in the newest ranking, with the Wikidata
        dump date it was built from. 404 if the entity is not ranked (no views), 400 if the id
        is not an item id.
        """
        return qrank.entity(qid)
