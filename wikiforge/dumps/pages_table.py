"""Pages of a dump as Arrow record batches: the typed ``pages`` table every wiki line reads."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

PAGES_SCHEMA = pa.schema(
    [
        pa.field("page_id", pa.int64(), nullable=False),
        pa.field("namespace", pa.int32(), nullable=False),
        pa.field("title", pa.string(), nullable=False),
        pa.field("redirect", pa.string()),  # target title of a redirect page, else null
        pa.field("revision_id", pa.int64(), nullable=False),
        pa.field("timestamp", pa.string(), nullable=False),  # ISO 8601, as in the dump
        pa.field("text", pa.string(), nullable=False),
    ]
)

# A batch is flushed at whichever comes first; the byte bound keeps memory flat on dumps of very
# long pages.
BATCH_PAGES = 2_000
BATCH_TEXT_BYTES = 32 << 20


class PageIdSet:
    """Page ids seen so far, as a bitmap: 10 MB covers the 80 million ids of the largest wiki,
    where a Python set of ints would take gigabytes.
    """

    def __init__(self) -> None:
        self._bits = bytearray()

    def add(self, page_id: int) -> bool:
        """Record ``page_id``; False when it was already there."""
        byte, bit = divmod(page_id, 8)
        if byte >= len(self._bits):
            self._bits.extend(bytes(max(byte + 1 - len(self._bits), len(self._bits))))
        mask = 1 << bit
        if self._bits[byte] & mask:
            return False
        self._bits[byte] |= mask
        return True


def pages_to_batches(
    pages: Iterable[Any],
    *,
    skipped: dict[str, int] | None = None,
    batch_pages: int = BATCH_PAGES,
    batch_bytes: int = BATCH_TEXT_BYTES,
) -> Iterator[pa.RecordBatch]:
    """Group ``Page`` records into record batches of ``PAGES_SCHEMA``.

    Real dumps occasionally list a page twice (the 2015 Navajo dump has page 15130 twice); the
    first copy is kept and the repeat counted in ``skipped["duplicate_page_id"]``.
    """
    columns: dict[str, list] = {name: [] for name in PAGES_SCHEMA.names}
    text_bytes = 0
    seen = PageIdSet()
    for page in pages:
        if not seen.add(page.page_id):
            if skipped is not None:
                skipped["duplicate_page_id"] = skipped.get("duplicate_page_id", 0) + 1
            continue
        for name in PAGES_SCHEMA.names:
            columns[name].append(getattr(page, name))
        text_bytes += len(page.text)
        if len(columns["page_id"]) >= batch_pages or text_bytes >= batch_bytes:
            yield pa.RecordBatch.from_pydict(columns, schema=PAGES_SCHEMA)
            columns = {name: [] for name in PAGES_SCHEMA.names}
            text_bytes = 0
    if columns["page_id"]:
        yield pa.RecordBatch.from_pydict(columns, schema=PAGES_SCHEMA)
