"""open_decompressed: every format by magic bytes, multistream, truncation, corruption."""

from __future__ import annotations

import bz2
import gzip
import lzma
from pathlib import Path

import pytest

from wikiforge.dumps.decompress import TruncatedInputError, detect_compression, open_decompressed
from wikiforge.errors import InputError

REPO = Path(__file__).resolve().parents[2]
HAWIKI = REPO / "samples/dumps/hawiki/20150406/hawiki-20150406-pages-articles.xml.bz2"


@pytest.fixture(scope="module")
def hawiki_xml() -> bytes:
    return bz2.decompress(HAWIKI.read_bytes())


def read_all(path: Path, threads: int = 2, chunk: int = 1 << 16) -> bytes:
    parts = []
    with open_decompressed(path, threads=threads) as stream:
        while data := stream.read(chunk):
            parts.append(data)
    return b"".join(parts)


def read_until_error(path: Path, threads: int) -> tuple[bytes, Exception | None]:
    parts = []
    try:
        with open_decompressed(path, threads=threads) as stream:
            while data := stream.read(1 << 16):
                parts.append(data)
    except InputError as exc:
        return b"".join(parts), exc
    return b"".join(parts), None


@pytest.mark.parametrize("threads", [1, 2])
def test_bzip2_matches_stdlib(threads: int, hawiki_xml: bytes) -> None:
    assert read_all(HAWIKI, threads) == hawiki_xml


@pytest.mark.parametrize(
    ("suffix", "compress", "kind"),
    [
        (".xz", lzma.compress, "xz"),
        (".gz", gzip.compress, "gzip"),
        (".xml", lambda data: data, "plain"),
    ],
)
def test_other_formats(tmp_path: Path, hawiki_xml: bytes, suffix, compress, kind) -> None:
    data = hawiki_xml[:300_000]
    path = tmp_path / f"dump{suffix}"
    path.write_bytes(compress(data))
    assert detect_compression(path) == kind
    assert read_all(path) == data


def test_format_comes_from_magic_bytes_not_extension(tmp_path: Path, hawiki_xml: bytes) -> None:
    data = hawiki_xml[:100_000]
    misnamed = tmp_path / "dump.xml"  # really xz
    misnamed.write_bytes(lzma.compress(data))
    assert detect_compression(misnamed) == "xz"
    assert read_all(misnamed) == data


@pytest.mark.parametrize("threads", [1, 2])
def test_bzip2_multistream(tmp_path: Path, hawiki_xml: bytes, threads: int) -> None:
    pieces = [hawiki_xml[i : i + 400_000] for i in range(0, len(hawiki_xml), 400_000)]
    path = tmp_path / "multi.xml.bz2"
    path.write_bytes(b"".join(bz2.compress(piece) for piece in pieces))
    assert read_all(path, threads) == hawiki_xml


def test_gzip_members_and_xz_streams_concatenated(tmp_path: Path) -> None:
    gz = tmp_path / "two.gz"
    gz.write_bytes(gzip.compress(b"first ") + gzip.compress(b"second"))
    assert read_all(gz) == b"first second"
    xz = tmp_path / "two.xz"
    xz.write_bytes(lzma.compress(b"first ") + lzma.compress(b"second"))
    assert read_all(xz) == b"first second"


@pytest.mark.parametrize("threads", [1, 2])
def test_truncated_bzip2_keeps_complete_blocks(tmp_path: Path, hawiki_xml: bytes, threads) -> None:
    raw = HAWIKI.read_bytes()
    cut = tmp_path / "cut.xml.bz2"
    cut.write_bytes(raw[: len(raw) * 2 // 3])
    data, error = read_until_error(cut, threads)
    assert isinstance(error, TruncatedInputError)
    assert str(cut) in str(error)
    # Everything decoded is a prefix of the real content, and all complete 900 kB blocks came out.
    assert hawiki_xml.startswith(data)
    assert len(data) >= 900_000


@pytest.mark.parametrize("threads", [1, 2])
def test_corrupt_bzip2_names_file_and_byte(tmp_path: Path, threads: int) -> None:
    raw = bytearray(HAWIKI.read_bytes())
    middle = len(raw) // 2
    raw[middle : middle + 8] = bytes(b ^ 0x5A for b in raw[middle : middle + 8])
    bad = tmp_path / "bad.xml.bz2"
    bad.write_bytes(bytes(raw))
    _, error = read_until_error(bad, threads)
    assert isinstance(error, InputError) and not isinstance(error, TruncatedInputError)
    assert error.path == str(bad)
    assert str(error.position).startswith("byte ")
    # The reported compressed offset is at or after the damage (detected at the block's end).
    assert int(str(error.position).split()[1]) >= middle - (1 << 18)


def test_truncated_and_corrupt_xz(tmp_path: Path, hawiki_xml: bytes) -> None:
    hawiki_xml = hawiki_xml[:1_000_000]  # xz compresses slowly: keep the test quick
    packed = lzma.compress(hawiki_xml, preset=1)
    cut = tmp_path / "cut.xz"
    cut.write_bytes(packed[: len(packed) // 2])
    data, error = read_until_error(cut, 2)
    assert isinstance(error, TruncatedInputError)
    assert hawiki_xml.startswith(data) and len(data) > 50_000

    broken = bytearray(packed)
    broken[len(broken) // 2] ^= 0xFF
    bad = tmp_path / "bad.xz"
    bad.write_bytes(bytes(broken))
    _, error = read_until_error(bad, 2)
    assert isinstance(error, InputError) and not isinstance(error, TruncatedInputError)
    assert "xz" in str(error)


def test_truncated_gzip(tmp_path: Path, hawiki_xml: bytes) -> None:
    packed = gzip.compress(hawiki_xml)
    cut = tmp_path / "cut.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    data, error = read_until_error(cut, 2)
    assert isinstance(error, TruncatedInputError)
    assert hawiki_xml.startswith(data)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot open"):
        open_decompressed(tmp_path / "nope.xml.bz2")
