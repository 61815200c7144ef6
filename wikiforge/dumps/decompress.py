"""Open a dump file as a stream of decompressed bytes, whatever its compression.

The format is chosen by the file's magic bytes (the extension is only a hint a person reads):
bzip2 (single or multistream), xz, gzip (also concatenated members), or plain bytes.

bzip2 is decoded block-parallel with ``indexed_bzip2`` on ``threads`` cores (its C++ worker
threads release the GIL, so they overlap with the Python code that parses the XML). With
``threads > 1`` a read-ahead thread keeps the decoder busy while the caller parses. The
standard library decoders are used for xz and gzip, and as the bzip2 fallback: when
``indexed_bzip2`` stops on bad data, decoding restarts with the standard library from the start
of the file, skips what was already delivered, and so reports exactly what went wrong and where
(a truncated file keeps all its complete blocks; a corrupt one raises ``InputError`` with the
compressed byte offset).

Errors (each names the file and a byte offset in it):
    ``TruncatedInputError`` (an ``InputError``) when the compressed stream stops before its
    end-of-stream marker: everything decodable before the cut has been delivered by then.
    ``CorruptInputError`` (an ``InputError``) when the compressed data is corrupt.
    ``InputError`` when the file is empty, and when its name
    says one compression (``.bz2``, ``.xz``, ``.gz``) but its first bytes say another or none
    (an error page saved under a dump's name, or the wrong file): the name is how the landing
    zone knows what a file is, so a file that contradicts it is not read on a guess.

``check_complete`` tells, from the first and last bytes only, whether a file is empty, of
another format than its name says, or cut off (bzip2 and xz end with a marker; gzip has none,
so a gzip file is decoded once to find out).
"""

from __future__ import annotations

import bz2
import io
import lzma
import os
import queue
import threading
import zlib
from pathlib import Path

from wikiforge.errors import InputError

__all__ = [
    "CorruptInputError",
    "TruncatedInputError",
    "blame_compression",
    "check_complete",
    "compression_of_name",
    "detect_compression",
    "open_decompressed",
]

# Compressed bytes handed to a standard-library decoder per call. Small enough that an error
# position is precise to this many bytes, large enough that the per-call cost vanishes.
_COMPRESSED_CHUNK = 256 * 1024

_MAGIC = (
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x1f\x8b", "gzip"),
)

#: What a file name's last suffix says about its compression.
_SUFFIXES = {".bz2": "bz2", ".xz": "xz", ".gz": "gzip", ".gzip": "gzip"}

_NAMES = {"bz2": "bzip2", "xz": "xz", "gzip": "gzip", "plain": "uncompressed"}


class TruncatedInputError(InputError):
    """The compressed stream ends before its end-of-stream marker (a cut-off download).

    Raised by a decompressed stream only after every byte that could be decoded before the cut
    has been returned, so a reader can keep what it got and report the cut.
    """


class CorruptInputError(InputError):
    """The compressed data is damaged (a CRC mismatch, an invalid block).

    Its position is the byte offset in the compressed file where the decoder found it.
    """


def blame_compression(path: str | os.PathLike[str], error: InputError) -> InputError:
    """The real cause of a parse error in decompressed data: the compression, if it is damaged.

    gzip and xz check their CRC only at the end of a member or block, after handing out the
    damaged bytes: a parser then meets garbage first ("malformed XML", "malformed INSERT") and
    would name the symptom. On that (rare) path the file is decoded once more, to its end or to
    its first compressed-data error, and that error is returned when there is one.

    Args:
        path: The file the parser read.
        error: The parser's error.

    Returns:
        The compressed data's ``CorruptInputError``/``TruncatedInputError`` (its cause set to
        the parser's error), or ``error`` itself when the compressed stream is intact.
    """
    if isinstance(error, (CorruptInputError, TruncatedInputError)):
        return error
    try:
        kind = _checked_kind(Path(path))
        if kind == "plain":
            return error
        with _StdlibDecompressorRaw(Path(path), kind) as stream:
            while stream._read_some(1 << 20):
                pass
    except (CorruptInputError, TruncatedInputError) as real:
        real.__cause__ = error
        return real
    except InputError:
        return error
    return error


def detect_compression(path: str | os.PathLike[str]) -> str:
    """Name the compression of a file by its magic bytes.

    Args:
        path: The file to look at.

    Returns:
        ``"bz2"``, ``"xz"``, ``"gzip"`` or ``"plain"``.
    """
    with open(path, "rb") as f:
        head = f.read(6)
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return "plain"


def compression_of_name(path: str | os.PathLike[str]) -> str | None:
    """The compression a file's name claims (``"bz2"``, ``"xz"``, ``"gzip"``), or None."""
    return _SUFFIXES.get(Path(path).suffix.lower())


def _checked_kind(path: Path) -> str:
    """The compression of ``path`` by its magic bytes, once its size and name agree with it."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as exc:
        raise InputError(path, "byte 0", f"cannot open: {exc.strerror or exc}") from exc
    if size == 0:
        raise InputError(path, "byte 0", "empty file (0 bytes): nothing was downloaded into it")
    kind = next((name for magic, name in _MAGIC if head.startswith(magic)), "plain")
    claimed = compression_of_name(path)
    if claimed is not None and claimed != kind:
        found = (
            f"its first bytes are a {_NAMES[kind]} header"
            if kind != "plain"
            else f"it has no {_NAMES[claimed]} header: it starts with {head!r}"
        )
        raise InputError(
            path, "byte 0", f"wrong format: the name says {_NAMES[claimed]} but {found}"
        )
    return kind


def open_decompressed(
    path: str | os.PathLike[str], *, threads: int = 2, decoder_threads: int | None = None
) -> io.BufferedReader:
    """Open a (possibly compressed) file for reading its decompressed bytes.

    Args:
        path: A ``.bz2`` (also multistream), ``.xz``, ``.gz`` or plain file; the format is
            detected from the magic bytes.
        threads: Cores the read may use. With more than one, decoding runs in a background
            thread ahead of the caller.
        decoder_threads: Threads decoding bzip2 blocks in parallel (default: ``threads``). A
            caller that does heavy work on each chunk (an XML parser) leaves it a core by
            passing ``threads - 1``.

    Returns:
        A binary file object positioned at the first decompressed byte. Reading raises
        ``TruncatedInputError`` at a cut-off compressed stream and ``InputError`` on corrupt
        compressed data. ``read1`` returns every byte decoded before either error first
        (``read(n)`` may drop the part of its last request that preceded the error).

    Raises:
        InputError: When the file cannot be opened, is empty, or its first bytes contradict the
            compression its name says.
    """
    path = Path(path)
    kind = _checked_kind(path)
    if kind == "plain":
        return open(path, "rb")
    if kind == "bz2":
        # indexed_bzip2 also with one thread: it decodes about 1.4x faster than the stdlib.
        raw: io.RawIOBase = _ParallelBzip2Raw(path, max(decoder_threads or threads, 1))
    else:
        raw = _StdlibDecompressorRaw(path, kind)
    if threads > 1:
        # Keep decoding while the caller works on the previous chunk: the codecs release the
        # GIL, so this thread runs on another core.
        raw = _ReadAheadRaw(raw)
    return io.BufferedReader(raw, buffer_size=1 << 20)


def _truncated(path: Path, kind: str, end: int) -> TruncatedInputError:
    return TruncatedInputError(
        path,
        f"byte {end}",
        f"{_NAMES[kind]} stream is truncated: the file ends before the end of the stream "
        "(an incomplete download?)",
    )


# bzip2 ends each stream with this 48-bit marker, a 32-bit CRC and padding to a whole byte.
_BZ2_END_OF_STREAM = 0x177245385090
# xz ends with a 12-byte stream footer (CRC32, backward size, flags, b"YZ"), then zero padding.
_XZ_FOOTER = 12


def check_complete(path: str | os.PathLike[str]) -> str:
    """Check that a file is not empty, is the format its name says, and is not cut off.

    bzip2 and xz are checked from their last bytes alone (the end-of-stream marker, the stream
    footer), so a dump of any size is checked in a millisecond; gzip has no such marker and is
    decoded once (without keeping the output). Corruption inside a bzip2 or xz stream is found
    only by reading it (``open_decompressed`` reports it with the compressed offset).

    Args:
        path: The file.

    Returns:
        Its compression (``"bz2"``, ``"xz"``, ``"gzip"`` or ``"plain"``).

    Raises:
        TruncatedInputError: The compressed stream stops before its end (file and byte offset).
        InputError: The file is missing, empty, of another format than its name says, or (gzip)
            corrupt.
    """
    path = Path(path)
    kind = _checked_kind(path)
    size = path.stat().st_size
    if kind == "bz2":
        with open(path, "rb") as f:
            f.seek(max(size - 11, 0))
            tail_bits = int.from_bytes(f.read(), "big")
        if size < 14 or not any(
            (tail_bits >> (32 + pad)) & (2**48 - 1) == _BZ2_END_OF_STREAM for pad in range(8)
        ):
            raise _truncated(path, kind, size)
    elif kind == "xz":
        with open(path, "rb") as f:
            f.seek(max(size - 4096, 0))
            tail = f.read()
        end = len(tail)
        while end >= 4 and tail[end - 4 : end] == bytes(4):
            end -= 4  # stream padding
        footer = tail[end - _XZ_FOOTER : end]
        if (
            len(footer) < _XZ_FOOTER
            or footer[-2:] != b"YZ"
            or zlib.crc32(footer[4:10]) != int.from_bytes(footer[:4], "little")
        ):
            raise _truncated(path, kind, size)
    elif kind == "gzip":
        with _StdlibDecompressorRaw(path, kind) as stream:
            while stream._read_some(1 << 20):
                pass
    return kind


def _new_decompressor(kind: str):
    """A fresh standard-library decompressor object for one stream (member) of ``kind``."""
    if kind == "bz2":
        return bz2.BZ2Decompressor()
    if kind == "xz":
        return lzma.LZMADecompressor(format=lzma.FORMAT_AUTO)
    if kind == "gzip":
        return zlib.decompressobj(wbits=31)
    raise ValueError(kind)


class _StdlibDecompressorRaw(io.RawIOBase):
    """Streaming decoder on the standard library, tracking the compressed byte offset.

    Handles concatenated streams (bzip2 multistream, gzip members, xz streams), bounds the output
    of each call (no decompression bomb fills memory) and turns codec errors into
    ``InputError``/``TruncatedInputError`` with the compressed offset.
    """

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__()
        self._path = path
        self._kind = kind
        self._file = open(path, "rb")  # noqa: SIM115 (closed by close())
        self._decompressor = _new_decompressor(kind)
        self._pending = b""  # compressed bytes read but not yet given to the decompressor
        self._compressed_offset = 0  # offset in the file of the first byte of self._pending
        self._at_eof = False

    def readable(self) -> bool:
        return True

    @property
    def compressed_offset(self) -> int:
        """Offset in the compressed file of the next byte the decoder will consume."""
        return self._compressed_offset

    def readinto(self, buffer) -> int:  # noqa: ANN001 (memoryview/bytearray per io protocol)
        data = self._read_some(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n

    def _read_some(self, limit: int) -> bytes:
        """Return up to ``limit`` decompressed bytes; ``b""`` only at the end of the file."""
        while not self._at_eof:
            if self._decompressor.eof:
                # One stream ended; a concatenated next stream may follow.
                rest = self._decompressor.unused_data
                self._compressed_offset -= len(rest) if rest else 0
                self._pending = rest + self._pending
                if not self._pending:
                    self._pending = self._file.read(_COMPRESSED_CHUNK)
                if not self._pending or (self._kind == "gzip" and not self._pending.strip(b"\0")):
                    self._at_eof = True
                    break
                self._decompressor = _new_decompressor(self._kind)
            if not self._pending and self._needs_input():
                self._pending = self._file.read(_COMPRESSED_CHUNK)
                if not self._pending:
                    self._at_eof = True
                    raise _truncated(self._path, self._kind, self._compressed_offset)
            data = self._pending
            self._pending = b""
            try:
                out = self._decompress(data, limit)
            except (OSError, lzma.LZMAError, zlib.error, EOFError) as exc:
                self._at_eof = True
                raise CorruptInputError(
                    self._path,
                    f"byte {self._compressed_offset}",
                    f"corrupt {_NAMES[self._kind]} data ({exc})",
                ) from exc
            self._compressed_offset += len(data) - len(self._unconsumed())
            self._pending = self._unconsumed()
            if out:
                return out
        return b""

    def _needs_input(self) -> bool:
        d = self._decompressor
        if self._kind == "gzip":
            return True  # decompressobj keeps no hidden input beyond unconsumed_tail
        return d.needs_input

    def _decompress(self, data: bytes, limit: int) -> bytes:
        d = self._decompressor
        if self._kind == "gzip":
            return d.decompress(data, limit)
        return d.decompress(data, max_length=limit)

    def _unconsumed(self) -> bytes:
        """Input the decompressor has not used yet (it must be fed again)."""
        if self._kind == "gzip":
            return self._decompressor.unconsumed_tail
        return b""  # bz2/lzma keep unconsumed input internally

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()


class _ReadAheadRaw(io.RawIOBase):
    """Decompress in a background thread, a bounded number of chunks ahead of the reader.

    The standard library codecs and ``indexed_bzip2`` release the GIL while they decode, so the
    thread runs on the other core while the reader's thread parses. Errors are raised to the
    reader in order, after the data that preceded them.
    """

    _CHUNK = 2 << 20
    _AHEAD = 4  # chunks: bounds the memory held ahead to 8 MiB

    def __init__(self, raw: io.RawIOBase) -> None:
        super().__init__()
        self._raw = raw
        self._queue: queue.Queue[bytes | BaseException | None] = queue.Queue(self._AHEAD)
        self._stop = threading.Event()
        self._current = memoryview(b"")
        self._done = False
        self._thread = threading.Thread(target=self._produce, name="dump-read-ahead", daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        try:
            while not self._stop.is_set():
                data = self._raw.read(self._CHUNK)
                if not data:
                    break
                self._put(data)
        except BaseException as exc:  # noqa: BLE001 (handed to the reading thread)
            self._put(exc)
            return
        self._put(None)

    def _put(self, item: bytes | BaseException | None) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001 (memoryview/bytearray per io protocol)
        if not self._current:
            if self._done:
                return 0
            item = self._queue.get()
            if item is None:
                self._done = True
                return 0
            if isinstance(item, BaseException):
                self._done = True
                raise item
            self._current = memoryview(item)
        n = min(len(buffer), len(self._current))
        buffer[:n] = self._current[:n]
        self._current = self._current[n:]
        return n

    def close(self) -> None:
        if not self.closed:
            self._stop.set()
            self._thread.join()
            self._raw.close()
        super().close()


# What indexed_bzip2 raises on bad data (a bare std::exception becomes RuntimeError).
_INDEXED_BZIP2_ERRORS = (RuntimeError, ValueError, OSError, EOFError)


class _ParallelBzip2Raw(io.RawIOBase):
    """bzip2 decoded block-parallel by ``indexed_bzip2``, with the standard library as fallback.

    ``indexed_bzip2`` reports a truncated or corrupt file only as a bare exception and,
    with prefetching, may stop before the last good block. On any such error this reader
    re-decodes with ``_StdlibDecompressorRaw`` from the start, skips the bytes already returned,
    and continues: so truncation keeps every complete block and corruption gets its position.
    """

    def __init__(self, path: Path, threads: int) -> None:
        super().__init__()
        import indexed_bzip2  # imported here: only bzip2 files need it

        self._path = path
        self._delivered = 0
        self._fallback: _StdlibDecompressorRaw | None = None
        try:
            self._parallel = indexed_bzip2.open(str(path), parallelization=threads)
        except _INDEXED_BZIP2_ERRORS:
            self._switch_to_fallback()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001 (memoryview/bytearray per io protocol)
        if self._fallback is None:
            try:
                n = self._parallel.readinto(buffer)
            except _INDEXED_BZIP2_ERRORS:
                self._switch_to_fallback()
            else:
                self._delivered += n
                return n
        assert self._fallback is not None
        n = self._fallback.readinto(buffer)
        self._delivered += n
        return n

    def _switch_to_fallback(self) -> None:
        """Restart with the standard library and skip what was already delivered."""
        try:
            if hasattr(self, "_parallel"):
                self._parallel.close()
        except Exception:  # noqa: BLE001 (the parallel reader is already broken; drop it)
            pass
        fallback = _StdlibDecompressorRaw(self._path, "bz2")
        to_skip = self._delivered
        while to_skip:
            chunk = fallback._read_some(min(to_skip, 1 << 20))
            if not chunk:
                raise CorruptInputError(
                    self._path,
                    f"byte {fallback.compressed_offset}",
                    "bzip2 data ends earlier than the parallel decoder read it",
                )
            to_skip -= len(chunk)
        self._fallback = fallback

    def close(self) -> None:
        if not self.closed:
            if self._fallback is not None:
                self._fallback.close()
            else:
                self._parallel.close()
        super().close()
