"""Bad input through the assets: a clear error naming file and position, or a counted skip, and
never a half-written version.

Covered elsewhere and not repeated here: corrupt and truncated bzip2/xz/gzip and malformed XML
in the dump reader (tests/ingest) and through the `pages` asset (tests/platform/
test_pages_asset.py: corrupt bzip2, malformed XML, a dump cut off mid-page); broken page-view
lines and a corrupt day file in the page-view reader (tests/qrank/test_qrank_pageviews.py);
broken WARC records in the WARC reader (tests/tasks/test_ingest.py); pages without a task in
the parser (tests/tasks/test_parse.py). Here: the same faults through the assets that read them
(metadata counts, published rows), a truncated bzip2 wiki dump read by `pages` alone, and
Wikidata dumps with broken
JSON lines or a corrupt block, which nothing tested.
"""

from __future__ import annotations

import bz2
import json
import re
import shutil
from pathlib import Path

import pytest

from resources import build_resources
from tests.conftest import SAMPLE_CRAWLS, SAMPLE_DUMPS, materialize_partition

WIKIDATA = (
    SAMPLE_DUMPS / "wikidatawiki" / "entities" / "20190101" / "wikidata-20190101-all.json.bz2"
)


def _meta(result, asset: str) -> dict:
    (event,) = [
        e for e in result.get_asset_materialization_events() if e.asset_key.path[-1] == asset
    ]
    return {
        k: getattr(v, "value", getattr(v, "data", v))
        for k, v in event.materialization.metadata.items()
    }


def _failure_message(result) -> str:
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    return failure.step_failure_data.error.to_string()


def _staging_empty(data_root: Path) -> bool:
    staging = data_root / ".staging"
    return not staging.exists() or not any(staging.iterdir())


def _wikidata_landing(tmp_path: Path, payload: bytes) -> Path:
    dumps = tmp_path / "dumps"
    target = dumps / "wikidatawiki" / "entities" / "20190101"
    target.mkdir(parents=True)
    (target / "wikidata-20190101-all.json.bz2").write_bytes(payload)
    return dumps


BROKEN_ENTITY_LINES = {
    10: lambda line: line[: len(line) // 2] + b",",  # cut in the middle of the JSON
    40: lambda line: b"{not json at all},",
    70: lambda line: line[:-1] + b"}},",  # data after the object
}
# (Damage to bytes outside the sitelinks of an otherwise well-formed line is caught by bzip2's
# block CRC, not by the sitelink reader; see wikiforge/wikidata/entities.py.)


def _plain_sitelinks(lines: list[bytes]) -> dict[str, int]:
    """The sitelinks table computed the plain way, from a full JSON parse of every entity line:
    key -> smallest numeric id of the items (Q-ids) with a sitelink that folds to it.
    """
    from wikiforge.qrank.keys import sitelink_key

    table: dict[str, int] = {}
    for line in lines:
        if not line.startswith(b"{"):
            continue
        entity = json.loads(line.rstrip().rstrip(b","))
        if not re.fullmatch(r"Q[1-9][0-9]*", entity["id"]):
            continue
        qid = int(entity["id"][1:])
        for site, link in (entity.get("sitelinks") or {}).items():
            key = sitelink_key(site, link["title"])
            if key is not None:
                table[key] = min(qid, table.get(key, qid))
    return table


def test_wikidata_dump_with_broken_json_lines_skips_and_counts_them(tmp_path, instance, data_root):
    from assets.qrank.sitelinks import sitelinks

    lines = bz2.decompress(WIKIDATA.read_bytes()).split(b"\n")
    entity_rows = [i for i, line in enumerate(lines) if line.startswith(b"{")]
    broken = list(lines)
    for nth, damage in BROKEN_ENTITY_LINES.items():
        broken[entity_rows[nth]] = damage(lines[entity_rows[nth]])
    dumps = _wikidata_landing(tmp_path, bz2.compress(b"\n".join(broken)))
    resources = build_resources(data_root=data_root, dumps_dir=dumps, crawls_dir=tmp_path)
    result = materialize_partition(
        [sitelinks], "20190101", instance=instance, resources=resources, dynamic="wikidata_dump"
    )
    assert result.success
    meta = _meta(result, "sitelinks")
    assert meta["entities"] == len(entity_rows)
    assert meta["bad_entities"] == len(BROKEN_ENTITY_LINES)
    assert len(meta["error_samples"]) == len(BROKEN_ENTITY_LINES)
    # What was published is exactly what the intact entities give on their own.
    intact = [
        line
        for i, line in enumerate(lines)
        if i not in {entity_rows[n] for n in BROKEN_ENTITY_LINES}
    ]
    expected = _plain_sitelinks(intact)
    published = resources["store"].require("sitelinks", "20190101")
    assert published.rows == len(expected) > 0
    assert published.table().to_pylist() == [
        {"key": key, "qid": qid} for key, qid in sorted(expected.items())
    ]


def test_wikidata_dump_with_a_corrupt_block_fails_naming_file_and_position(
    tmp_path, instance, data_root
):
    from assets.qrank.sitelinks import sitelinks

    good = build_resources(data_root=data_root, dumps_dir=SAMPLE_DUMPS, crawls_dir=tmp_path)
    materialize_partition(
        [sitelinks], "20190101", instance=instance, resources=good, dynamic="wikidata_dump"
    )
    before = good["store"].require("sitelinks", "20190101")
    data = bytearray(WIKIDATA.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # zeros inside the compressed block: CRC mismatch
    dumps = _wikidata_landing(tmp_path, bytes(data))
    bad = build_resources(data_root=data_root, dumps_dir=dumps, crawls_dir=tmp_path)
    result = materialize_partition(
        [sitelinks], "20190101", instance=instance, resources=bad, raise_on_error=False
    )
    assert not result.success
    message = _failure_message(result)
    assert "wikidata-20190101-all.json.bz2" in message
    assert any(word in message for word in ("bit ", "line ", "byte ")), message
    after = bad["store"].require("sitelinks", "20190101")
    assert after.version == before.version and after.rows == before.rows
    assert _staging_empty(data_root)


PAGEVIEW_LINES = [
    b"en.wikipedia Zurich 1 desktop 5 A5",
    b"en.wikipedia Zurich 1 mobile-web 2 B2",
    b"de.wikipedia Bern 2 desktop 3 C3",
    b"en.wikipedia Geneva 1 desktop 4",  # a column missing
    b"en.wikipedia Basel 1 desktop 4 D4 extra",  # a column too many
    b"en.wikipedia Lugano 1 desktop many A1",  # count not a number
    b"en.wikipedia Chur 1 desktop -3 A1",  # count negative
    b"",
    b"fr.wikipedia Sion 3 mobile-app 1 A1",
]


def _month_landing(tmp_path: Path, payload: bytes) -> Path:
    dumps = tmp_path / "dumps"
    month = dumps / "other" / "pageview_complete" / "2018" / "2018-05"
    month.mkdir(parents=True)
    (month / "pageviews-20180515-user.bz2").write_bytes(payload)
    return dumps


def test_pageview_lines_with_bad_columns_or_counts_are_skipped_and_counted(
    tmp_path, instance, data_root
):
    from assets.qrank.pageviews_month import pageviews_month
    from wikiforge.qrank import pageviews as pv

    dumps = _month_landing(tmp_path, bz2.compress(b"\n".join(PAGEVIEW_LINES) + b"\n"))
    resources = build_resources(data_root=data_root, dumps_dir=dumps, crawls_dir=tmp_path)
    result = materialize_partition(
        [pageviews_month], "2018-05-01", instance=instance, resources=resources
    )
    assert result.success
    meta = _meta(result, "pageviews_month")
    assert (meta["bad_lines"], meta["bad_counts"]) == (2, 2)
    assert meta["rows"] == 4
    assert all("pageviews-20180515-user.bz2" in sample for sample in meta["bad_samples"])
    table = resources["store"].require("pageviews_month", "2018-05-01").table()
    got = dict(zip(*[table.column(i).to_pylist() for i in range(2)], strict=True))
    key = lambda wiki, title: pv.row_key(pv.PAGEVIEW_COMPLETE, wiki, title)  # noqa: E731
    assert got == {
        key("en.wikipedia", "Zurich"): 7,
        key("de.wikipedia", "Bern"): 3,
        key("fr.wikipedia", "Sion"): 1,
    }


def test_corrupt_pageview_file_fails_naming_it_and_publishes_nothing(tmp_path, instance, data_root):
    from assets.qrank.pageviews_month import pageviews_month

    good = bz2.compress(b"en.wikipedia Zurich 1 desktop 5 A5\n" * 2000)
    dumps = _month_landing(tmp_path, good[:40] + bytes(30) + good[70:])
    resources = build_resources(data_root=data_root, dumps_dir=dumps, crawls_dir=tmp_path)
    result = materialize_partition(
        [pageviews_month],
        "2018-05-01",
        instance=instance,
        resources=resources,
        raise_on_error=False,
    )
    assert not result.success
    message = _failure_message(result)
    assert "pageviews-20180515-user.bz2" in message and "line" in message
    assert resources["store"].current("pageviews_month", "2018-05-01") is None
    assert _staging_empty(data_root)


def _crawl(
    tmp_path: Path, warcs: dict[str, bytes] | None = None, pages: dict[str, str] | None = None
) -> Path:
    crawls = tmp_path / "crawls"
    crawl = crawls / "bad-crawl"
    crawl.mkdir(parents=True)
    for name, data in (warcs or {}).items():
        (crawl / name).write_bytes(data)
    for name, html in (pages or {}).items():
        target = crawl / "html" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html)
    return crawls


def test_warc_with_a_broken_record_is_counted_and_the_rest_published(tmp_path, instance, data_root):
    from assets.tasks.html_documents import html_documents

    whole = (SAMPLE_CRAWLS / "sample-warc" / "warcio-example.warc.gz").read_bytes()
    cut = (SAMPLE_CRAWLS / "sample-warc" / "cc-whirlwind.warc.gz").read_bytes()[:5000]
    crawls = _crawl(tmp_path, warcs={"a-cut.warc.gz": cut, "b-whole.warc.gz": whole})
    resources = build_resources(data_root=data_root, dumps_dir=tmp_path, crawls_dir=crawls)
    result = materialize_partition(
        [html_documents], "bad-crawl", instance=instance, resources=resources, dynamic="crawl"
    )
    assert result.success
    meta = _meta(result, "html_documents")
    assert meta["warc_broken_records"] == 1
    (error,) = meta["warc_errors"]
    # The file and the byte offset of the broken record.
    assert re.search(r"a-cut\.warc\.gz(@| at )\d+", error), error
    urls = resources["store"].require("html_documents", "bad-crawl").table(["warc_filename"])
    assert set(urls.column(0).to_pylist()) == {"b-whole.warc.gz"}


def test_html_without_a_task_is_counted_not_published(tmp_path, instance, data_root):
    from assets.tasks.html_documents import html_documents
    from assets.tasks.taskmaps import taskmaps

    recipe = SAMPLE_CRAWLS / "sample-html" / "html" / "recipes" / "seriouseats.com"
    pages = {
        "recipe.html": next(recipe.glob("*.html")).read_text(),
        "about.html": "<html><head><title>About us</title></head><body><p>We are a small "
        "team.</p></body></html>",
        "empty.html": "<html></html>",
        "binary.html": "\x00\x01\x02 not html",
    }
    crawls = _crawl(tmp_path, pages=pages)
    resources = build_resources(data_root=data_root, dumps_dir=tmp_path, crawls_dir=crawls)
    result = materialize_partition(
        [html_documents, taskmaps],
        "bad-crawl",
        instance=instance,
        resources=resources,
        dynamic="crawl",
    )
    assert result.success
    meta = _meta(result, "taskmaps")
    assert meta["documents"] == 4 and meta["taskmaps"] == 1
    rejected = {k: v for k, v in meta.items() if k.startswith("rejected_")}
    assert sum(rejected.values()) == 3, rejected
    assert rejected.get("rejected_no_task_markup", 0) >= 1, rejected
    assert resources["store"].require("taskmaps", "bad-crawl").rows == 1


@pytest.mark.parametrize("keep", [0.35, 0.8])
def test_truncated_bzip2_wiki_dump_fails_naming_the_cut_and_publishes_nothing(
    tmp_path, instance, data_root, keep
):
    """`pages` alone (without `wiki_dump` upstream) reads the complete pages, then fails.

    An incomplete download is never published as a wiki's pages.
    """
    from assets.ingest.pages import pages

    source = SAMPLE_DUMPS / "hawiki" / "20150406" / "hawiki-20150406-pages-articles.xml.bz2"
    dumps = tmp_path / "dumps"
    target = dumps / "hawiki" / "20150406"
    target.mkdir(parents=True)
    data = source.read_bytes()
    (target / source.name).write_bytes(data[: int(len(data) * keep)])
    resources = build_resources(data_root=data_root, dumps_dir=dumps, crawls_dir=tmp_path)
    result = materialize_partition(
        [pages],
        "hawiki",
        instance=instance,
        resources=resources,
        dynamic="wiki",
        raise_on_error=False,
    )
    assert not result.success
    message = _failure_message(result)
    assert f"{source.name} at byte {int(len(data) * keep)}: bzip2 stream is truncated" in message
    assert "the XML stops at decompressed byte" in message and "after page" in message
    assert resources["store"].current("pages", "hawiki") is None
    assert _staging_empty(data_root)
    shutil.rmtree(dumps)
