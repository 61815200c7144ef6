"""The qrank assets through Dagster on the bundled slice and the generated 2018 page views."""

import json

import dagster as dg
import pytest

from assets.qrank.pageviews_month import pageviews_month
from assets.qrank.qrank import qrank, qrank_stats, qrank_stats_match_file, qrank_valid
from assets.qrank.qviews import qviews
from assets.qrank.sitelinks import sitelinks
from tests.conftest import materialize_partition
from wikiforge.qrank.ranking import read_qrank

DUMP = "20190101"
DUMP_ASSETS = [sitelinks, qviews, qrank, qrank_valid, qrank_stats, qrank_stats_match_file]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Three months (the others left out on purpose: missing months are not fatal), then the
    dump's assets.
    """
    from resources import build_resources
    from tests.conftest import SAMPLE_CRAWLS, SAMPLE_DUMPS

    data_root = tmp_path_factory.mktemp("data")
    resources = build_resources(
        data_root=data_root, dumps_dir=SAMPLE_DUMPS, crawls_dir=SAMPLE_CRAWLS, engine="local"
    )
    with dg.instance_for_test() as instance:
        month_results = [
            materialize_partition(
                [pageviews_month], f"2018-{m:02d}-01", instance=instance, resources=resources
            )
            for m in (5, 6, 7)
        ]
        result = materialize_partition(
            DUMP_ASSETS, DUMP, instance=instance, resources=resources, dynamic="wikidata_dump"
        )
        yield {
            "months": month_results,
            "result": result,
            "resources": resources,
            "instance": instance,
            "data_root": data_root,
        }


def _meta(result, asset):
    (event,) = [
        e for e in result.get_asset_materialization_events() if e.asset_key.path[-1] == asset
    ]
    return event.materialization.metadata


def test_month_metadata_names_missing_days(published):
    meta = _meta(published["months"][1], "pageviews_month")
    assert meta["format"].value == "pageview_complete"
    assert meta["missing_count"].value == 29  # June: one day (the 15th) of its 30
    assert meta["bad_lines"].value == 0 and meta["keys"].value > 1000


def test_month_without_files_is_skipped(instance, resources):
    result = materialize_partition(
        [pageviews_month], "2017-05-01", instance=instance, resources=resources
    )
    assert result.success and result.get_asset_materialization_events() == []


def test_dump_assets_publish_ranking_stats_and_checks(published):
    result = published["result"]
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    assert len(result.get_asset_check_evaluations()) == 2
    assert _meta(result, "sitelinks")["dagster/row_count"].value == 11_933
    qv = _meta(result, "qviews")
    assert qv["missing_months"].data == [
        f"2018-{m:02d}" for m in (1, 2, 3, 4, 8, 9, 10, 11, 12)
    ]  # named, not fatal
    assert qv["months_used"].data == ["2018-05", "2018-06", "2018-07"]
    store = published["resources"]["store"]
    ranking = read_qrank(store.require("qrank", DUMP).path("qrank.csv.gz"))
    assert len(ranking) == 100
    assert ranking[0][0] == "Q3796"  # three months around its June spike: it leads
    stats = json.loads(store.require("qrank_stats", DUMP).path("qrank-stats.json").read_text())
    assert stats["Sha256"] == _meta(result, "qrank")["sha256"].value
    assert stats["Entities"] == 100 and stats["DumpDate"] == DUMP
    assert "data:image/png;base64," in _meta(result, "qrank_stats")["distribution"].value


def test_spike_capped_variant_by_config(published):
    run_config = dg.RunConfig(ops={"qviews": {"config": {"spike_cap": 3.0}}})
    result = dg.materialize(
        DUMP_ASSETS,
        partition_key=DUMP,
        instance=published["instance"],
        resources=published["resources"],
        run_config=run_config,
        selection=[qviews, qrank, qrank_valid],
    )
    assert result.success
    assert _meta(result, "qviews")["spike_cap"].value == 3.0
    assert _meta(result, "qviews")["capped_entities"].value >= 1
    store = published["resources"]["store"]
    ranking = read_qrank(store.require("qrank", DUMP).path("qrank.csv.gz"))
    assert ranking[0][0] != "Q3796"  # capped at 3 median months, the spike no longer leads
