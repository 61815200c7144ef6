"""The graph line's assets through Dagster, on the bundled landing zone."""

import numpy as np

from assets.graph.degrees import degrees
from assets.graph.entity_pagerank import entity_pagerank, entity_views_smeared
from assets.graph.hits import hits
from assets.graph.link_graph import link_graph, link_graph_is_simple, load_link_graph
from assets.graph.pagerank import pagerank, pagerank_is_a_distribution
from tests.conftest import materialize_partition

WIKI_ASSETS = [
    link_graph,
    link_graph_is_simple,
    pagerank,
    pagerank_is_a_distribution,
    hits,
    degrees,
]


def _metadata(result, asset: str) -> dict:
    for event in result.get_asset_materialization_events():
        if event.asset_key.path[-1] == asset:
            return {k: v.value for k, v in event.materialization.metadata.items()}
    raise AssertionError(f"{asset} not materialized")


def _publish_qviews(data_root, rows: dict[int, int]) -> None:
    """Publish a small `qviews` partition (the qrank line's table: qid, views) to smear."""
    import pyarrow as pa

    from wikiforge.storage import DataRoot, describe_files, write_parquet

    root = DataRoot(data_root)
    staged = root.staging()
    schema = pa.schema([("qid", pa.int64()), ("views", pa.int64())])
    table = pa.table({"qid": list(rows), "views": list(rows.values())}, schema=schema)
    rows_written = write_parquet(staged, table, schema, what="qviews")
    root.publish(
        "qviews",
        "20190101",
        staged,
        {
            "asset": "qviews",
            "partition": "20190101",
            "files": describe_files(staged),
            "rows": rows_written,
        },
    )


def test_chwiki_from_sql_dumps(instance, resources, data_root):
    result = materialize_partition(
        WIKI_ASSETS, "chwiki", instance=instance, resources=resources, dynamic="wiki"
    )
    assert result.success
    assert all(check.passed for check in result.get_asset_check_evaluations())
    graph_meta = _metadata(result, "link_graph")
    assert graph_meta["built_from"] == "sql_dumps"
    assert graph_meta["dump_date"] == "20240501"
    assert (graph_meta["nodes"], graph_meta["edges"]) == (582, 1120)
    meta = _metadata(result, "pagerank")
    for key in (
        "nodes",
        "edges",
        "dangling_nodes",
        "dangling_mass",
        "iterations",
        "residual",
        "seconds",
    ):
        assert key in meta
    assert meta["residual"] < 1e-10 and meta["nodes"] == 582
    store = resources["store"]
    table = store.require("pagerank", "chwiki").table()
    assert table.column("title")[0].as_py() == "Estados_Unidus"
    assert table.num_rows == 582
    hits_meta = _metadata(result, "hits")
    assert hits_meta["converged"] is True
    degree_meta = _metadata(result, "degrees")
    assert degree_meta["edges"] == 1120
    degree_table = store.require("degrees", "chwiki").table()
    assert sum(degree_table.column("in_degree").to_pylist()) == 1120

    entity = materialize_partition([entity_pagerank], None, instance=instance, resources=resources)
    entity_meta = _metadata(entity, "entity_pagerank")
    assert entity_meta["wikis"]["chwiki"]["entities_from"] == "page_props 20240501"
    ranked = store.require("entity_pagerank").table()
    assert ranked.column("entity")[0].as_py() == "Q30"

    # Signal smearing: skipped while no qviews are published, then run on a small one.
    skipped = materialize_partition(
        [entity_views_smeared], None, instance=instance, resources=resources
    )
    assert skipped.success and skipped.get_asset_materialization_events() == []
    # Q16635 (Guam) links to many articles, among them Q30 (United States, the top chwiki page),
    # which links nowhere and so keeps all its views; Q1 has no chwiki article.
    _publish_qviews(data_root, {30: 1000, 16635: 500, 1: 7})
    smearing = materialize_partition(
        [entity_views_smeared], None, instance=instance, resources=resources
    )
    smear_meta = _metadata(smearing, "entity_views_smeared")
    assert smear_meta["views_total"] == 1507.0
    assert abs(smear_meta["smeared_total"] - 1507.0) < 1e-9
    assert smear_meta["entities_gaining"] > 0 and smear_meta["entities_losing"] >= 1
    table = store.require("entity_views_smeared").table().to_pylist()
    smeared = {row["entity"]: row["smeared_views"] for row in table}
    assert smeared["Q16635"] == 450.0 and smeared["Q30"] > 1000.0 and smeared["Q1"] == 7.0


def test_hawiki_from_xml_then_through_the_links_table(instance, resources):
    """Without a links table the graph comes from the XML dump; once the links line has
    published one for the same dump, from it, and the two graphs are the same.
    """
    from assets.ingest.pages import pages
    from assets.links.links import links
    from assets.links.titles import pageids, redirects

    first = materialize_partition(
        [link_graph, link_graph_is_simple, pagerank],
        "hawiki",
        instance=instance,
        resources=resources,
        dynamic="wiki",
    )
    assert first.success
    meta = _metadata(first, "link_graph")
    assert meta["built_from"] == "xml_dump"
    assert meta["nodes"] == 1651  # every ns0 article of the dump
    store = resources["store"]
    from_xml = load_link_graph(store.require("link_graph", "hawiki"))
    assert from_xml.edge_count == meta["edges"] > 1000
    assert not np.any(from_xml.source == from_xml.target)

    upstream = materialize_partition(
        [pages, pageids, redirects, links], "hawiki", instance=instance, resources=resources
    )
    assert upstream.success
    second = materialize_partition(
        [link_graph, link_graph_is_simple], "hawiki", instance=instance, resources=resources
    )
    assert second.success
    assert _metadata(second, "link_graph")["built_from"].startswith("links@")
    through_links = load_link_graph(store.require("link_graph", "hawiki"))
    assert np.array_equal(through_links.page_id, from_xml.page_id)
    assert np.array_equal(through_links.source, from_xml.source)
    assert np.array_equal(through_links.target, from_xml.target)


def test_wiki_without_dumps_skips(instance, resources):
    result = materialize_partition(
        [link_graph, pagerank], "zzwiki", instance=instance, resources=resources, dynamic="wiki"
    )
    assert result.success and result.get_asset_materialization_events() == []
