"""Entity PageRank (scores carried through sitelinks) and signal smearing."""

from __future__ import annotations

import polars as pl
import pytest

from tests.graph.conftest import chwiki_dump
from wikiforge.graph.entity import (
    entity_links,
    entity_pagerank,
    page_entities_from_page_props,
    smear_views,
)
from wikiforge.graph.link_graph import LinkGraph
from wikiforge.graph.scores import pagerank


def test_two_wikis_combine_as_an_equal_weight_mean() -> None:
    scores = pl.DataFrame(
        {
            "wiki": ["a", "a", "b", "b", "b"],
            "page_id": [1, 2, 7, 8, 9],
            "score": [0.6, 0.4, 0.5, 0.3, 0.2],
        }
    )
    sitelinks = pl.DataFrame(
        {
            "wiki": ["a", "a", "b", "b", "c"],
            "page_id": [1, 2, 7, 8, 1],
            "entity": ["Q1", "Q2", "Q2", "Q3", "Q9"],
        }
    )
    result = entity_pagerank(scores, sitelinks)
    assert result["entity"].to_list() == ["Q2", "Q1", "Q3"]
    assert result["score"].to_list() == pytest.approx([0.45, 0.3, 0.15])
    assert result["wikis"].to_list() == [2, 1, 1]
    assert result["best_wiki"].to_list() == ["b", "a", "b"]
    assert result["rank"].to_list() == [1, 2, 3]
    weighted = entity_pagerank(scores, sitelinks, wiki_weights={"a": 3.0, "b": 1.0})
    assert dict(zip(weighted["entity"], weighted["score"], strict=True)) == pytest.approx(
        {"Q1": 0.45, "Q2": 0.3 + 0.125, "Q3": 0.075}
    )


def test_ties_rank_by_numeric_entity_id() -> None:
    scores = pl.DataFrame({"wiki": ["a"] * 3, "page_id": [1, 2, 3], "score": [0.25, 0.25, 0.5]})
    sitelinks = pl.DataFrame(
        {"wiki": ["a"] * 3, "page_id": [1, 2, 3], "entity": ["Q10", "Q9", "Q100"]}
    )
    assert entity_pagerank(scores, sitelinks)["entity"].to_list() == ["Q100", "Q9", "Q10"]


def test_chwiki_entities_from_page_props(chwiki_graph: LinkGraph) -> None:
    entities, stats = page_entities_from_page_props(chwiki_dump("page_props"))
    assert stats["wikibase_items"] == 898  # the reference notes count 898 wikibase_item rows
    g = chwiki_graph
    scores = pl.DataFrame(
        {
            "wiki": "chwiki",
            "page_id": g.page_id,
            "score": pagerank(g.node_count, g.source, g.target).scores,
        }
    )
    result = entity_pagerank(scores, entities.with_columns(wiki=pl.lit("chwiki")))
    assert result["entity"][0] == "Q30"  # Estados_Unidus, the top page
    assert 0.9 < result["score"].sum() <= 1.0  # articles without an item keep their share


def test_smearing_follows_the_documented_rule() -> None:
    views = pl.DataFrame({"entity": ["Q1", "Q2"], "views": [100, 10]})
    links = pl.DataFrame(
        {
            "source_entity": ["Q1", "Q1", "Q2", "Q2", "Q1"],
            "target_entity": ["Q2", "Q3", "Q1", "Q2", "Q2"],
        }  # a self-link and a duplicate
    )
    result = smear_views(views, links, share=0.1)
    smeared = dict(zip(result["entity"], result["smeared_views"], strict=True))
    assert smeared == pytest.approx({"Q1": 91.0, "Q2": 14.0, "Q3": 5.0})
    assert result["smeared_views"].sum() == pytest.approx(110.0)
    unchanged = smear_views(views, links, share=0.0)
    assert dict(zip(unchanged["entity"], unchanged["smeared_views"], strict=True)) == {
        "Q1": 100.0,
        "Q2": 10.0,
        "Q3": 0.0,
    }
    with pytest.raises(ValueError, match="share"):
        smear_views(views, links, share=1.5)


def test_entity_links_from_chwiki(chwiki_graph: LinkGraph) -> None:
    g = chwiki_graph
    entities, _ = page_entities_from_page_props(chwiki_dump("page_props"))
    edges = pl.DataFrame(
        {
            "wiki": "chwiki",
            "source_page_id": g.page_id[g.source],
            "target_page_id": g.page_id[g.target],
        }
    )
    links = entity_links(edges, entities.with_columns(wiki=pl.lit("chwiki")))
    assert 0 < links.height <= g.edge_count
    assert (links["source_entity"] != links["target_entity"]).all()
    views = entities.select("entity").with_columns(views=pl.lit(100.0))
    smeared = smear_views(views, links, share=0.2)
    assert smeared["smeared_views"].sum() == pytest.approx(100.0 * entities.height)
    top = smeared.row(0, named=True)
    assert top["entity"] == "Q30" and top["smeared_views"] > 100.0
