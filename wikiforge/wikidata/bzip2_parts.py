"""Decode one bzip2 file in independent parts, split at compressed block boundaries.

A bzip2 stream is a 4-byte header (``BZh1``..``BZh9``) and a sequence of blocks, each starting
with the 48-bit magic ``0x314159265359``, then an end-of-stream marker ``0x177245385090`` with the
stream's combined CRC. Blocks are bit-aligned, not byte-aligned, and each is decodable on its own
given the block size from the header. Files made by parallel compressors (pbzip2, lbzip2 -n) are
several such streams concatenated.

To decode a part that starts at block magic bit offset ``b``, we give libbzip2 (Python's ``bz2``)
a synthetic stream: the file's header followed by the file's bits from ``b``, shifted so ``b``
lands on a byte boundary. Where the part ends (the next part's first block) we simply stop
feeding: libbzip2 has then emitted every whole block and waits for more input, so no stream CRC
is ever checked across our artificial cut. The first end-of-stream marker inside a part is cut
out the same way (its combined CRC covers blocks this part never saw); the streams that follow it
start byte-aligned with their own header and are fed as they are.

This is the approach of QRank's ``SplitWikidataDump`` (which searched byte-aligned positions only,
enough for Wikimedia's multistream dumps) made bit-exact, so it also works on single-stream files
written by plain ``bzip2``.
"""

from __future__ import annotations

import bz2
import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from wikiforge.errors import InputError

BLOCK_MAGIC = 0x314159265359
STREAM_END_MAGIC = 0x177245385090
_MAGIC_BITS = 48
_SEARCH_WINDOW = 1 << 20
_FEED_CHUNK = 1 << 20


@dataclass(frozen=True)
class Part:
    """A range of a bzip2 file that decodes on its own.

    Attributes:
        index: The part's position in the file, from 0.
        start_bit: Bit offset of the part's first block magic (0 for the first part, which starts
            at the file header).
        end_bit: Bit offset where the next part's first block starts, or the file's size in bits.
    """

    index: int
    start_bit: int
    end_bit: int


def _shifted_patterns(pattern: int, nbits: int) -> list[tuple[int, bytes, int]]:
    """For each bit shift 0..7: (shift, the whole bytes the pattern fully covers, their offset)."""
    result = []
    for shift in range(8):
        total_bits = shift + nbits
        nbytes = (total_bits + 7) // 8
        value = pattern << (nbytes * 8 - total_bits)
        raw = value.to_bytes(nbytes, "big")
        # Bytes whose 8 bits all belong to the pattern.
        first_full = 1 if shift else 0
        last_full = nbytes - 1 if (total_bits % 8) else nbytes
        result.append((shift, raw[first_full:last_full], first_full))
    return result


_BLOCK_PATTERNS = _shifted_patterns(BLOCK_MAGIC, _MAGIC_BITS)
_END_PATTERNS = _shifted_patterns(STREAM_END_MAGIC, _MAGIC_BITS)


def _bits_at(buf: bytes, bit: int, nbits: int) -> int | None:
    """The ``nbits`` bits of ``buf`` starting at bit offset ``bit`` (None if past the end)."""
    first = bit // 8
    last = (bit + nbits + 7) // 8
    if last > len(buf):
        return None
    value = int.from_bytes(buf[first:last], "big")
    return (value >> (last * 8 - bit - nbits)) & ((1 << nbits) - 1)


def find_pattern(buf: bytes, pattern: int, start_bit: int = 0, magic: str = "block") -> list[int]:
    """Every bit offset >= ``start_bit`` at which a 48-bit bzip2 magic occurs in ``buf``, sorted.

    Args:
        buf: Compressed bytes.
        pattern: ``BLOCK_MAGIC`` or ``STREAM_END_MAGIC``.
        start_bit: Smallest bit offset to report.
        magic: Which precomputed shift table to use ("block" or "end").
    """
    patterns = _BLOCK_PATTERNS if magic == "block" else _END_PATTERNS
    found = set()
    for shift, middle, offset in patterns:
        pos = buf.find(middle, max(0, start_bit // 8 - 1))
        while pos >= 0:
            candidate = (pos - offset) * 8 + shift
            if candidate >= start_bit and _bits_at(buf, candidate, _MAGIC_BITS) == pattern:
                found.add(candidate)
            pos = buf.find(middle, pos + 1)
    return sorted(found)


def _plausible_block_header(buf: bytes, bit: int) -> bool:
    """Cheap check that a block magic candidate is a real block: not randomised, origPtr sane."""
    # magic(48) crc(32) randomised(1) origPtr(24)
    randomised = _bits_at(buf, bit + 80, 1)
    orig_ptr = _bits_at(buf, bit + 81, 24)
    return randomised == 0 and orig_ptr is not None and orig_ptr < 900_000


def read_header(path: str | os.PathLike) -> bytes:
    """The 4-byte ``BZh<level>`` header of a bzip2 file.

    Raises:
        InputError: if the file does not start with a bzip2 header.
    """
    with open(path, "rb") as f:
        header = f.read(4)
    if len(header) < 4 or header[:3] != b"BZh" or not (0x31 <= header[3] <= 0x39):
        raise InputError(path, 0, "not a bzip2 file (no BZh1..BZh9 header)")
    return header


def find_block_start(path: str | os.PathLike, from_byte: int) -> int | None:
    """Bit offset of the first bzip2 block that starts at or after byte ``from_byte``.

    Returns:
        The bit offset, or None if no block starts between ``from_byte`` and the end of file.
    """
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        pos = max(from_byte, 4)
        while pos < size:
            f.seek(pos)
            # Overlap a few bytes so a magic straddling two windows is still seen whole.
            buf = f.read(_SEARCH_WINDOW + 16)
            for bit in find_pattern(buf, BLOCK_MAGIC, 0, "block"):
                if bit // 8 < _SEARCH_WINDOW and _plausible_block_header(buf, bit):
                    return pos * 8 + bit
            pos += _SEARCH_WINDOW
    return None


def split_parts(path: str | os.PathLike, parts: int) -> list[Part]:
    """Split a bzip2 file into up to ``parts`` independently decodable parts of similar size.

    Args:
        path: The .bz2 file.
        parts: How many parts are wanted; fewer come back when the file has fewer blocks.
    """
    read_header(path)
    size = os.path.getsize(path)
    starts = [0]
    for i in range(1, max(1, parts)):
        bit = find_block_start(path, size * i // parts)
        if bit is not None and bit > starts[-1]:
            starts.append(bit)
    ends = starts[1:] + [size * 8]
    return [Part(i, s, e) for i, (s, e) in enumerate(zip(starts, ends, strict=True))]


def _shift_left(chunk: bytes, following: int, shift: int) -> bytes:
    """``chunk`` shifted left by ``shift`` bits, the low bits filled from byte ``following``."""
    if shift == 0:
        return chunk
    arr = np.frombuffer(chunk + bytes([following]), dtype=np.uint8).astype(np.uint16)
    return (((arr[:-1] << shift) | (arr[1:] >> (8 - shift))) & 0xFF).astype(np.uint8).tobytes()


def _read_bits(f, start_bit: int, end_bit: int) -> Iterator[bytes]:
    """Bits [start_bit, end_bit) of an open file as byte-aligned chunks (last byte zero-padded)."""
    shift = start_bit % 8
    pos = start_bit // 8
    end_byte = (end_bit + 7) // 8
    remaining_bits = end_bit - start_bit
    while remaining_bits > 0:
        f.seek(pos)
        nbytes = min(_FEED_CHUNK, end_byte - pos)
        raw = f.read(nbytes + 1)
        chunk, following = raw[:nbytes], (raw[nbytes] if len(raw) > nbytes else 0)
        shifted = _shift_left(chunk, following, shift)
        take_bits = min(remaining_bits, len(shifted) * 8)
        nbytes_out = (take_bits + 7) // 8
        out = bytearray(shifted[:nbytes_out])
        if take_bits % 8:
            out[-1] &= (0xFF << (8 - take_bits % 8)) & 0xFF
        yield bytes(out)
        remaining_bits -= take_bits
        pos += nbytes
        if nbytes == 0:
            break


def _first_stream_end(path, start_bit: int, end_bit: int) -> int | None:
    """Bit offset of the first genuine end-of-stream marker in [start_bit, end_bit), if any."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        pos = start_bit // 8
        end_byte = min(size, (end_bit + 7) // 8 + 6)
        while pos < end_byte:
            f.seek(pos)
            buf = f.read(min(_SEARCH_WINDOW, end_byte - pos) + 16)
            for bit in find_pattern(buf, STREAM_END_MAGIC, 0, "end"):
                absolute = pos * 8 + bit
                if bit // 8 >= _SEARCH_WINDOW or absolute < start_bit or absolute >= end_bit:
                    continue
                # A real marker is followed by the 32-bit CRC, padding, then EOF or a new header.
                next_stream = (absolute + _MAGIC_BITS + 32 + 7) // 8
                f.seek(next_stream)
                following = f.read(4)
                f.seek(pos)
                if not following or (following[:3] == b"BZh" and following[3:4].isdigit()):
                    return absolute
            pos += _SEARCH_WINDOW
    return None


def _feed(decompressor: bz2.BZ2Decompressor, data: bytes) -> Iterator[bytes]:
    """Decompress ``data`` and drain every byte of output it makes available.

    CPython's BZ2Decompressor can stop returning output of a block it has fully read until it is
    called again, so we call it with empty input until it has nothing more to give.
    """
    out = decompressor.decompress(data)
    while out:
        yield out
        if decompressor.eof:
            return
        out = decompressor.decompress(b"")


def _decode_streams(path, start_byte: int, end_bit: int) -> Iterator[bytes]:
    """Decode whole, byte-aligned bzip2 streams from ``start_byte``, stopping at ``end_bit``."""
    decompressor = bz2.BZ2Decompressor()
    with open(path, "rb") as f:
        for chunk in _read_bits(f, start_byte * 8, end_bit):
            data = chunk
            while data:
                if decompressor.eof:
                    if data.strip(b"\x00") == b"":
                        data = b""
                        break
                    decompressor = bz2.BZ2Decompressor()
                try:
                    yield from _feed(decompressor, data)
                except OSError as exc:
                    raise InputError(
                        path, f"byte {start_byte}", f"corrupt bzip2 data: {exc}"
                    ) from exc
                data = decompressor.unused_data if decompressor.eof else b""


def iter_part_bytes(
    path: str | os.PathLike, part: Part, header: bytes | None = None
) -> Iterator[bytes]:
    """Decompressed bytes of one part, in order, as chunks.

    Args:
        path: The .bz2 file.
        part: One of the parts from :func:`split_parts`.
        header: The file's 4-byte header (read from the file if not given).

    Raises:
        InputError: on corrupt compressed data, naming the file and the part's bit offset.
    """
    if part.start_bit == 0:
        yield from _decode_streams(path, 0, part.end_bit)
        return
    header = header or read_header(path)
    stream_end = _first_stream_end(path, part.start_bit, part.end_bit)
    first_end = part.end_bit if stream_end is None else stream_end
    decompressor = bz2.BZ2Decompressor()
    try:
        decompressor.decompress(header)  # the stream header alone yields no text
        with open(path, "rb") as f:
            for chunk in _read_bits(f, part.start_bit, first_end):
                yield from _feed(decompressor, chunk)
    except OSError as exc:
        raise InputError(path, f"bit {part.start_bit}", f"corrupt bzip2 data: {exc}") from exc
    if stream_end is not None:
        next_stream = (stream_end + _MAGIC_BITS + 32 + 7) // 8
        if next_stream * 8 < part.end_bit:
            yield from _decode_streams(path, next_stream, part.end_bit)
