"""Multistream bzip2 as Wikimedia writes its `pages-articles-multistream` dumps: the header, then
one bzip2 stream per group of pages, then the footer, each compressed on its own (so a reader can
seek to any stream). Shared by the benchmark dump generators.
"""

from __future__ import annotations

import bz2
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import BinaryIO

#: Pages per bzip2 stream, as in Wikimedia's multistream dumps.
PAGES_PER_STREAM = 100


def compress(data: bytes) -> bytes:
    """One whole bzip2 stream of ``data`` (level 9, as the dumps)."""
    return bz2.compress(data, 9)


def groups(pieces: Iterator[bytes], size: int = PAGES_PER_STREAM) -> Iterator[bytes]:
    """The pieces joined ``size`` at a time (the last group may be shorter)."""
    group: list[bytes] = []
    for piece in pieces:
        group.append(piece)
        if len(group) == size:
            yield b"".join(group)
            group = []
    if group:
        yield b"".join(group)


def write_multistream(
    out: BinaryIO, head: bytes, pages: Iterator[bytes], footer: bytes, processes: int = 2
) -> None:
    """Write ``head``, the pages in streams of ``PAGES_PER_STREAM`` and ``footer`` to ``out``,
    compressing streams on ``processes`` cores (in order).
    """
    out.write(compress(head))
    with ProcessPoolExecutor(max_workers=processes) as pool:
        # map() keeps order; chunksize batches work to amortise pickling.
        for stream in pool.map(compress, groups(pages), chunksize=4):
            out.write(stream)
    out.write(compress(footer))
