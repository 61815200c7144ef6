"""The pages asset through Dagster: counts, metadata, checks, and bad input writing nothing."""

import bz2
import shutil

import pytest

from assets.ingest.pages import pages, pages_unique
from resources import build_resources
from tests.conftest import SAMPLE_DUMPS, materialize_partition


def test_hawiki_pages_materialize_with_metadata(instance, resources, data_root):
    result = materialize_partition(
        [pages, pages_unique], "hawiki", instance=instance, resources=resources, dynamic="wiki"
    )
    assert result.success
    (event,) = result.get_asset_materialization_events()
    meta = event.materialization.metadata
    assert meta["dagster/row_count"].value == 2101
    assert meta["dump_date"].value == "20150406"
    assert meta["truncated"].value is False
    assert len(meta["files"].data["part-0.parquet"]["sha256"]) == 64
    assert meta["sources"].data[0]["path"].endswith("hawiki-20150406-pages-articles.xml.bz2")
    assert "duration_s" in meta
    assert [e.passed for e in result.get_asset_check_evaluations()] == [True]
    stored = resources["store"].require("pages", "hawiki")
    table = stored.table(columns=["namespace", "redirect"]).to_pylist()
    articles = [r for r in table if r["namespace"] == 0 and r["redirect"] is None]
    redirects = [r for r in table if r["namespace"] == 0 and r["redirect"] is not None]
    assert (len(articles), len(redirects)) == (1651, 172)


def test_truncated_dump_keeps_complete_pages_and_reports_the_cut(instance, resources):
    result = materialize_partition(
        [pages], "jawiki", instance=instance, resources=resources, dynamic="wiki"
    )
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["truncated"].value is True
    assert "byte" in meta["truncated_at"].value
    assert meta["dagster/row_count"].value == 36


def _landing_with(tmp_path, wiki, date, payload: bytes):
    dumps = tmp_path / "dumps"
    target = dumps / wiki / date
    target.mkdir(parents=True)
    (target / f"{wiki}-{date}-pages-articles.xml.bz2").write_bytes(payload)
    return dumps


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"BZh91AY&SY" + b"\x00" * 200, "hawiki-20990101-pages-articles.xml.bz2"),
        (bz2.compress(b"<html><body>not a dump</body></html>"), "hawiki-20990101"),
        (
            bz2.compress(
                b"<mediawiki><page><title>A</title><id>1</id><revision><id>2</id>"
                b"<text>x</txt></revision></page></mediawiki>"
            ),
            "hawiki-20990101",
        ),
    ],
    ids=["corrupt-bzip2", "not-a-mediawiki-export", "malformed-xml"],
)
def test_bad_dump_fails_clearly_and_previous_version_stays(
    tmp_path, instance, data_root, payload, expected
):
    good = build_resources(data_root=data_root, dumps_dir=SAMPLE_DUMPS, crawls_dir=tmp_path)
    materialize_partition([pages], "hawiki", instance=instance, resources=good, dynamic="wiki")
    before = good["store"].require("pages", "hawiki")

    # A newer dump that is broken arrives.
    dumps = tmp_path / "dumps"
    shutil.copytree(SAMPLE_DUMPS / "hawiki", dumps / "hawiki")
    bad_dir = dumps / "hawiki" / "20990101"
    bad_dir.mkdir()
    (bad_dir / "hawiki-20990101-pages-articles.xml.bz2").write_bytes(payload)
    bad = build_resources(data_root=data_root, dumps_dir=dumps, crawls_dir=tmp_path)
    result = materialize_partition(
        [pages], "hawiki", instance=instance, resources=bad, raise_on_error=False
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.to_string()
    assert expected in message
    # Nothing half-written: the pointer still names the previous version, which reads fine.
    after = bad["store"].require("pages", "hawiki")
    assert after.version == before.version
    assert after.table(columns=["page_id"]).num_rows == 2101
    staging = data_root / ".staging"
    assert not staging.exists() or not any(staging.iterdir())
