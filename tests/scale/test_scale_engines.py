"""Every heavy step gives the same rows on the local engine and on Spark (local[1]).

One data root is built on the local engine (the smallest sample wiki, the Wikidata slice and its
page-view months); then each heavy asset is materialized again with the Spark engine and its
rows (sorted) compared with the local engine's. The pages-to-links step has its own test in
tests/links.
"""

from __future__ import annotations

import math

import dagster as dg
import pyarrow.parquet as pq
import pytest

from assets.graph.link_graph import link_graph
from assets.ingest.pages import pages
from assets.links.anchors import anchors
from assets.links.anchors_filtered import anchors_filtered
from assets.links.embeddings import embeddings
from assets.links.links import links
from assets.links.sentences import sentences
from assets.links.titles import pageids, redirects
from assets.links.training_set import training_set
from assets.links.wikidata_p31 import wikidata_p31
from assets.qrank.pageviews_month import pageviews_month
from assets.qrank.qviews import qviews
from assets.qrank.sitelinks import sitelinks
from resources import build_resources
from tests.conftest import SAMPLE_CRAWLS, SAMPLE_DUMPS

WIKI = "jawiki"  # the smallest sample wiki (36 pages), a script without spaces
DUMP = "20190101"
MONTHS = [f"2018-{m:02d}-01" for m in range(1, 13)]  # the spikes that capping removes
WIKI_ASSETS = [
    pages,
    pageids,
    redirects,
    links,
    wikidata_p31,
    anchors,
    anchors_filtered,
    embeddings,
    sentences,
    training_set,
]


def _rows(stored, name: str | None = None) -> list[tuple]:
    """Every row of a published table (or of one Parquet file of it), sorted; NaN (a feature
    that is undefined for a row) as a string, so that equal rows compare equal.
    """
    table = pq.read_table(stored.path(name)) if name else stored.table()
    columns = [table.column(c).to_pylist() for c in table.column_names]
    rows = (
        tuple("NaN" if isinstance(v, float) and math.isnan(v) else v for v in row)
        for row in zip(*columns, strict=True)
    )
    return sorted(rows, key=repr)


@pytest.fixture(scope="module")
def local_build(tmp_path_factory):
    """The sample wiki, the Wikidata slice and its months, built on the local engine."""
    data_root = tmp_path_factory.mktemp("data")
    resources = build_resources(
        data_root=data_root, dumps_dir=SAMPLE_DUMPS, crawls_dir=SAMPLE_CRAWLS, engine="local"
    )
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("wiki", [WIKI])
        instance.add_dynamic_partitions("wikidata_dump", [DUMP])
        for month in MONTHS:
            assert dg.materialize(
                [pageviews_month], partition_key=month, instance=instance, resources=resources
            ).success
        assert dg.materialize(
            [sitelinks, qviews], partition_key=DUMP, instance=instance, resources=resources
        ).success
        assert dg.materialize(
            WIKI_ASSETS, partition_key=WIKI, instance=instance, resources=resources
        ).success
        yield {"resources": resources, "instance": instance}


def _again_on_spark(build, spark_engine, asset, partition, upstream, run_config=None):
    """Materialize ``asset`` again with the Spark engine (upstream assets stay as published)."""
    resources = {**build["resources"], "engine": spark_engine}
    result = dg.materialize(
        [*upstream, asset],
        partition_key=partition,
        instance=build["instance"],
        resources=resources,
        selection=[asset],
        run_config=run_config,
    )
    assert result.success
    (event,) = [
        e
        for e in result.get_asset_materialization_events()
        if e.asset_key.path[-1] == asset.key.path[-1]
    ]
    assert event.materialization.metadata["engine"].value == "spark"
    return result


@pytest.mark.spark
def test_links_steps_identical_on_spark(local_build, spark_engine):
    store = local_build["resources"]["store"]
    expected = {
        "anchors": _rows(store.require("anchors", WIKI)),
        "sentences": _rows(store.require("sentences", WIKI), "sentences.parquet"),
        "training_set": _rows(store.require("training_set", WIKI)),
        "wikidata_p31": _rows(store.require("wikidata_p31", WIKI)),
    }
    csv_before = store.require("sentences", WIKI).path("sentences_train.csv").read_bytes()
    assert all(expected.values()), {k: len(v) for k, v in expected.items()}
    upstream = [
        pages,
        pageids,
        redirects,
        links,
        wikidata_p31,
        anchors,
        anchors_filtered,
        embeddings,
        sentences,
    ]
    for asset in (wikidata_p31, anchors, sentences, training_set):
        _again_on_spark(
            local_build, spark_engine, asset, WIKI, [a for a in upstream if a is not asset]
        )
    assert _rows(store.require("anchors", WIKI)) == expected["anchors"]
    assert _rows(store.require("sentences", WIKI), "sentences.parquet") == expected["sentences"]
    assert store.require("sentences", WIKI).path("sentences_train.csv").read_bytes() == csv_before
    assert _rows(store.require("training_set", WIKI)) == expected["training_set"]
    assert _rows(store.require("wikidata_p31", WIKI)) == expected["wikidata_p31"]


@pytest.mark.spark
def test_qrank_steps_identical_on_spark(local_build, spark_engine):
    store = local_build["resources"]["store"]
    month = "2018-03-01"
    expected_month = _rows(store.require("pageviews_month", month))
    expected_sitelinks = _rows(store.require("sitelinks", DUMP))
    expected_qviews = _rows(store.require("qviews", DUMP))
    _again_on_spark(local_build, spark_engine, pageviews_month, month, [])
    _again_on_spark(local_build, spark_engine, sitelinks, DUMP, [])
    _again_on_spark(local_build, spark_engine, qviews, DUMP, [sitelinks])
    assert _rows(store.require("pageviews_month", month)) == expected_month
    assert _rows(store.require("sitelinks", DUMP)) == expected_sitelinks
    assert _rows(store.require("qviews", DUMP)) == expected_qviews
    # Spike capping: the median is the one query that differs between DuckDB and Spark SQL.
    capped = {"ops": {"qviews": {"config": {"spike_cap": 2.0}}}}
    local_resources = local_build["resources"]
    assert dg.materialize(
        [sitelinks, qviews],
        partition_key=DUMP,
        selection=[qviews],
        instance=local_build["instance"],
        resources=local_resources,
        run_config=capped,
    ).success
    expected_capped = _rows(store.require("qviews", DUMP))
    assert expected_capped != expected_qviews
    _again_on_spark(local_build, spark_engine, qviews, DUMP, [sitelinks], run_config=capped)
    assert _rows(store.require("qviews", DUMP)) == expected_capped


@pytest.mark.spark
def test_link_graph_identical_on_spark(local_build, spark_engine):
    """Both routes: from the published `links` table (the sample wiki has one), and from the
    XML dump (a data root without `links`).
    """
    store = local_build["resources"]["store"]
    resources = local_build["resources"]
    assert dg.materialize(
        [link_graph], partition_key=WIKI, instance=local_build["instance"], resources=resources
    ).success
    by_links = store.require("link_graph", WIKI)
    assert by_links.manifest["stats"]["built_from"].startswith("links@")
    expected = {name: _rows(by_links, name) for name in ("nodes.parquet", "edges.parquet")}
    assert expected["edges.parquet"]
    _again_on_spark(local_build, spark_engine, link_graph, WIKI, [])
    on_spark = store.require("link_graph", WIKI)
    assert {name: _rows(on_spark, name) for name in expected} == expected
    assert on_spark.files == by_links.files  # nodes and edges written the same way: same bytes


@pytest.mark.spark
def test_link_graph_from_xml_identical_on_spark(tmp_path, spark_engine):
    resources = build_resources(
        data_root=tmp_path, dumps_dir=SAMPLE_DUMPS, crawls_dir=SAMPLE_CRAWLS, engine="local"
    )
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("wiki", [WIKI])
        assert dg.materialize(
            [link_graph], partition_key=WIKI, instance=instance, resources=resources
        ).success
        local = resources["store"].require("link_graph", WIKI)
        assert local.manifest["stats"]["built_from"] == "xml_dump"
        assert dg.materialize(
            [link_graph],
            partition_key=WIKI,
            instance=instance,
            resources={**resources, "engine": spark_engine},
        ).success
        spark = resources["store"].require("link_graph", WIKI)
    assert spark.manifest["stats"]["engine"] == "spark"
    assert spark.files == local.files
    assert spark.manifest["stats"]["xml_pages"] == local.manifest["stats"]["xml_pages"]
