"""Bad dump files: one error that names the real cause (the file, the byte offset, what is wrong),
raised once per run, for every compression the landing zone holds.

The matrix runs the dump reader on bzip2 (one stream, and multistream as Wikimedia ships it; the
indexed_bzip2 reader on one thread and block-parallel on two), xz and gzip with each fault: cut
inside the first block (a download that stopped early), cut half way, a corrupt block, a file
whose name says bzip2 but whose bytes are gzip or an HTML page, and an empty file. Then the
wiki job: a cut dump fails `wiki_dump` once and every asset that reads the dump is not run.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
from pathlib import Path

import dagster as dg
import pytest

from resources import build_resources
from tests.conftest import SAMPLE_DUMPS, materialize_partition
from wikiforge.dumps.decompress import TruncatedInputError, check_complete
from wikiforge.dumps.xml_reader import read_pages
from wikiforge.errors import InputError

HAWIKI = SAMPLE_DUMPS / "hawiki" / "20150406" / "hawiki-20150406-pages-articles.xml.bz2"
NAMES = {"bz2": "bzip2", "bz2-multistream": "bzip2", "xz": "xz", "gz": "gzip"}
SUFFIX = {"bz2": ".bz2", "bz2-multistream": ".bz2", "xz": ".xz", "gz": ".gz"}


@pytest.fixture(scope="module")
def hawiki_xml() -> bytes:
    return bz2.decompress(HAWIKI.read_bytes())


@pytest.fixture(scope="module")
def packed(hawiki_xml: bytes) -> dict[str, bytes]:
    """The same XML in every compression (xz on its first 1 MB: xz compresses slowly)."""
    pieces = [hawiki_xml[i : i + 300_000] for i in range(0, len(hawiki_xml), 300_000)]
    return {
        "bz2": HAWIKI.read_bytes(),
        "bz2-multistream": b"".join(bz2.compress(piece) for piece in pieces),
        "xz": lzma.compress(hawiki_xml[:1_000_000], preset=1),
        "gz": gzip.compress(hawiki_xml),
    }


def _read(path: Path, threads: int) -> tuple[list[str], InputError | None]:
    titles: list[str] = []
    try:
        for page in read_pages(path, threads=threads):
            titles.append(page.title)
    except InputError as exc:
        return titles, exc
    return titles, None


def _offset(error: InputError) -> int:
    match = re.match(r"byte (\d+)", str(error.position))
    assert match, error.position
    return int(match[1])


FORMATS = ["bz2", "bz2-multistream", "xz", "gz"]
THREADS = [1, 2]


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("kind", FORMATS)
def test_cut_inside_the_first_block_says_the_stream_is_truncated(tmp_path, packed, kind, threads):
    data = packed[kind]
    cut = tmp_path / f"hawiki-20150406-pages-articles.xml{SUFFIX[kind]}"
    cut.write_bytes(data[:20_000])  # far less than one 900 kB bzip2 block
    titles, error = _read(cut, threads)
    assert isinstance(error, TruncatedInputError), error
    message = str(error)
    assert message.startswith(f"{cut} at byte 20000: {NAMES[kind]} stream is truncated"), message
    assert "MediaWiki" not in message and "no XML" not in message
    # The cheap check upstream (wiki_dump) says the same from the last bytes alone.
    with pytest.raises(TruncatedInputError) as checked:
        check_complete(cut)
    assert str(checked.value).startswith(f"{cut} at byte 20000: {NAMES[kind]} stream is truncated")
    if kind.startswith("bz2"):
        assert titles == []  # nothing before the first block's end


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("kind", FORMATS)
def test_cut_half_way_yields_the_complete_pages_then_names_the_cut(tmp_path, packed, kind, threads):
    data = packed[kind]
    cut = tmp_path / f"dump.xml{SUFFIX[kind]}"
    cut.write_bytes(data[: len(data) * 3 // 5])
    titles, error = _read(cut, threads)
    assert isinstance(error, TruncatedInputError), error
    assert _offset(error) == len(data) * 3 // 5
    assert f"{NAMES[kind]} stream is truncated" in str(error)
    # Where the XML stops: the decompressed byte and the last complete page.
    assert titles and f"after page {titles[-1]!r}" in str(error)
    assert re.search(r"the XML stops at decompressed byte \d+", str(error))


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("kind", FORMATS)
def test_a_corrupt_block_names_the_compressed_byte_offset(tmp_path, packed, kind, threads):
    data = bytearray(packed[kind])
    damage = len(data) // 2
    data[damage : damage + 16] = bytes(b ^ 0x5A for b in data[damage : damage + 16])
    bad = tmp_path / f"dump.xml{SUFFIX[kind]}"
    bad.write_bytes(bytes(data))
    _, error = _read(bad, threads)
    assert isinstance(error, InputError) and not isinstance(error, TruncatedInputError), error
    assert error.path == str(bad)
    assert f"corrupt {NAMES[kind]} data" in str(error), error
    # Reported at or after the damage (a block's CRC is checked at its end), within the file.
    assert damage - (1 << 18) <= _offset(error) <= len(data)


@pytest.mark.parametrize(
    ("payload", "cause"),
    [
        (
            gzip.compress(b"<mediawiki/>"),
            "the name says bzip2 but its first bytes are a gzip header",
        ),
        (b"<!DOCTYPE html><html>503</html>", "the name says bzip2 but it has no bzip2 header"),
        (lzma.compress(b"<mediawiki/>"), "the name says bzip2 but its first bytes are a xz header"),
        (b"", "empty file (0 bytes)"),
    ],
    ids=["gzip", "html", "xz", "empty"],
)
def test_wrong_format_or_empty_file_is_named_at_byte_0(tmp_path, payload, cause):
    path = tmp_path / "hawiki-20150406-pages-articles.xml.bz2"
    path.write_bytes(payload)
    for attempt in (lambda: list(read_pages(path)), lambda: check_complete(path)):
        with pytest.raises(InputError) as caught:
            attempt()
        assert str(caught.value).startswith(f"{path} at byte 0: "), caught.value
        assert cause in str(caught.value)


def test_an_xml_document_that_stops_says_where(tmp_path, hawiki_xml):
    """A complete compressed stream holding a cut document is an excerpt.

    (The bundled samples are such excerpts.) Its complete pages are kept and the report says
    where it stops.
    """
    path = tmp_path / "excerpt.xml.bz2"
    path.write_bytes(bz2.compress(hawiki_xml[:700_000]))
    reader = read_pages(path)
    titles = [page.title for page in reader]
    assert reader.report.truncated and reader.report.cut is not None
    assert str(reader.report.cut).startswith(f"{path} at byte 700000, after page {titles[-1]!r}")
    assert "stops before </mediawiki>" in str(reader.report.cut)


# -- through the wiki job ---------------------------------------------------------------------


def _wiki_job_assets() -> list:
    """The wiki job's assets and checks, as `wikiforge materialize` runs them for one wiki."""
    import assets
    from partitions import wiki_partitions

    wiki_assets = [
        a
        for a in dg.load_assets_from_package_module(assets)
        if isinstance(a, dg.AssetsDefinition) and a.partitions_def == wiki_partitions
    ]
    keys = {key for a in wiki_assets for key in a.keys}
    checks = [
        c
        for c in dg.load_asset_checks_from_package_module(assets)
        if all(check.asset_key in keys for check in c.check_keys)
    ]
    return wiki_assets + checks


DUMP_READERS = {"pages", "image_links", "image_articles", "link_graph"}


def _started_steps(result) -> set[str]:
    return {e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_START}


def test_a_cut_wiki_dump_fails_once_and_its_readers_do_not_run(tmp_path, instance, data_root):
    from assets.ingest.dump_files import wiki_dump
    from assets.ingest.pages import pages

    good = build_resources(data_root=data_root, dumps_dir=SAMPLE_DUMPS, crawls_dir=tmp_path)
    materialize_partition(
        [wiki_dump, pages], "hawiki", instance=instance, resources=good, dynamic="wiki"
    )
    before = good["store"].require("pages", "hawiki")

    # The download of a newer dump stopped inside its first bzip2 block.
    dumps = tmp_path / "dumps"
    newer = dumps / "hawiki" / "20150501" / "hawiki-20150501-pages-articles.xml.bz2"
    newer.parent.mkdir(parents=True)
    newer.write_bytes(HAWIKI.read_bytes()[:50_000])
    bad = build_resources(data_root=data_root, dumps_dir=dumps, crawls_dir=tmp_path)
    result = materialize_partition(
        _wiki_job_assets(), "hawiki", instance=instance, resources=bad, raise_on_error=False
    )
    assert not result.success
    failures = [e for e in result.all_events if e.is_step_failure]
    assert [e.step_key for e in failures] == ["wiki_dump"]
    message = failures[0].step_failure_data.error.message
    assert f"{newer} at byte 50000: bzip2 stream is truncated" in message, message
    assert "MediaWiki" not in message
    assert not DUMP_READERS & _started_steps(result)
    # The previous version is still the published one.
    assert good["store"].require("pages", "hawiki").version == before.version


def test_a_bad_wikidata_dump_fails_once_and_its_readers_do_not_run(tmp_path, instance, data_root):
    from assets.images.item_images import item_images
    from assets.ingest.dump_files import wikidata_dump
    from assets.qrank.sitelinks import sitelinks

    dumps = tmp_path / "dumps"
    target = dumps / "wikidatawiki" / "entities" / "20190101" / "wikidata-20190101-all.json.bz2"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"<html><body>Too many requests</body></html>")
    resources = build_resources(data_root=data_root, dumps_dir=dumps, crawls_dir=tmp_path)
    result = materialize_partition(
        [wikidata_dump, sitelinks, item_images],
        "20190101",
        instance=instance,
        resources=resources,
        dynamic="wikidata_dump",
        raise_on_error=False,
    )
    failures = [e for e in result.all_events if e.is_step_failure]
    assert [e.step_key for e in failures] == ["wikidata_dump"]
    message = failures[0].step_failure_data.error.message
    assert f"{target} at byte 0: wrong format: the name says bzip2" in message, message
    assert not {"sitelinks", "item_images"} & _started_steps(result)
