"""PageRank, HITS and degrees: against networkx, a published example and hand-checked rules."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from assets.graph.link_graph import link_graph_of_xml
from bench.support.graph_generate import generate_link_graph
from resources.engine import local_engine
from tests.conftest import SAMPLE_DUMPS
from wikiforge.graph.link_graph import LinkGraph
from wikiforge.graph.scores import (
    ConvergenceError,
    hits,
    in_degrees,
    out_degrees,
    pagerank,
    rank_order,
)


def networkx_graph(node_count: int, source: np.ndarray, target: np.ndarray) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(node_count))
    graph.add_edges_from(zip(source.tolist(), target.tolist(), strict=True))
    return graph


def networkx_pagerank(node_count: int, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Networkx's PageRank run to the same tolerance (it stops at L1 change < n * tol)."""
    graph = networkx_graph(node_count, source, target)
    scores = nx.pagerank(graph, alpha=0.85, tol=1e-10 / node_count, max_iter=100_000)
    return np.array([scores[node] for node in range(node_count)])


def test_chwiki_pagerank_matches_networkx(chwiki_graph: LinkGraph) -> None:
    g = chwiki_graph
    result = pagerank(g.node_count, g.source, g.target)
    expected = networkx_pagerank(g.node_count, g.source, g.target)
    assert np.max(np.abs(result.scores - expected)) < 1e-9
    assert result.scores.sum() == pytest.approx(1.0, abs=1e-12)
    assert result.residual < 1e-10
    assert result.dangling_nodes == int(np.sum(out_degrees(g.node_count, g.source) == 0))
    dangling = out_degrees(g.node_count, g.source) == 0
    assert result.dangling_mass == pytest.approx(result.scores[dangling].sum(), abs=1e-15)
    top = [g.title[i].as_py() for i in rank_order(result.scores, g.page_id)[:3]]
    assert top == ["Estados_Unidus", "España", "Madrid"]


# Articles (ns0, not redirects) and distinct article-to-article links of the two sample dumps
# (also the graph sizes in docs/benchmarks/graph.md).
NODES_EDGES = {"ha": (1651, 2029), "nv": (2475, 12170)}


@pytest.mark.parametrize(
    ("wiki", "dump"),
    [
        ("ha", "hawiki/20150406/hawiki-20150406-pages-articles.xml.bz2"),
        ("nv", "nvwiki/20150602/nvwiki-20150602-pages-articles.xml.bz2"),
    ],
)
def test_sample_wiki_graphs_match_networkx(wiki: str, dump: str) -> None:
    """Whole Hausa and Navajo Wikipedias, graphs built from their XML dumps by the link_graph
    step's XML route on the local engine.
    """
    graph = link_graph_of_xml(local_engine(), [SAMPLE_DUMPS / dump], wiki)
    assert (graph.node_count, graph.edge_count) == NODES_EDGES[wiki]
    result = pagerank(graph.node_count, graph.source, graph.target)
    expected = networkx_pagerank(graph.node_count, graph.source, graph.target)
    assert np.max(np.abs(result.scores - expected)) < 1e-9
    assert result.scores.sum() == pytest.approx(1.0, abs=1e-12)


def test_generated_wiki_sized_graph_matches_networkx(chwiki_graph: LinkGraph) -> None:
    graph = generate_link_graph(20_000, seed=7, reference=[chwiki_graph])
    result = pagerank(graph.node_count, graph.source, graph.target)
    expected = networkx_pagerank(graph.node_count, graph.source, graph.target)
    assert np.max(np.abs(result.scores - expected)) < 1e-9


def test_published_example_graph() -> None:
    """The 11-page example of Wikipedia's PageRank article (also danker's test graph)."""
    names = "ABCDEFGHIJK"
    links = [
        "BC",
        "CB",
        "DA",
        "DB",
        "EB",
        "ED",
        "EF",
        "FB",
        "FE",
        "GB",
        "GE",
        "HB",
        "HE",
        "IB",
        "IE",
        "JE",
        "KE",
    ]
    source = np.array([names.index(link[0]) for link in links])
    target = np.array([names.index(link[1]) for link in links])
    result = pagerank(11, source, target)  # edges need not be sorted
    percent = dict(zip(names, np.round(100 * result.scores, 1).tolist(), strict=True))
    assert percent == {
        "A": 3.3,
        "B": 38.4,
        "C": 34.3,
        "D": 3.9,
        "E": 8.1,
        "F": 3.9,
        "G": 1.6,
        "H": 1.6,
        "I": 1.6,
        "J": 1.6,
        "K": 1.6,
    }
    assert result.dangling_nodes == 1  # A


def test_deterministic_bit_for_bit(chwiki_graph: LinkGraph) -> None:
    g = chwiki_graph
    first = pagerank(g.node_count, g.source, g.target)
    second = pagerank(g.node_count, g.source, g.target)
    assert first.scores.tobytes() == second.scores.tobytes()
    assert first.iterations == second.iterations


def test_edge_cases() -> None:
    empty = pagerank(0, np.zeros(0, np.int32), np.zeros(0, np.int32))
    assert empty.scores.size == 0
    lonely = pagerank(4, np.zeros(0, np.int32), np.zeros(0, np.int32))
    assert np.allclose(lonely.scores, 0.25) and lonely.dangling_mass == pytest.approx(1.0)
    with pytest.raises(ValueError, match="outside"):
        pagerank(2, np.array([0]), np.array([2]))
    with pytest.raises(ValueError, match="damping"):
        pagerank(2, np.array([0]), np.array([1]), damping=1.0)
    with pytest.raises(ConvergenceError, match="did not reach"):
        pagerank(3, np.array([0, 1]), np.array([1, 2]), max_iterations=2)


def test_hits_matches_networkx(chwiki_graph: LinkGraph) -> None:
    g = chwiki_graph
    result = hits(g.node_count, g.source, g.target)
    assert result.converged
    hubs, authorities = nx.hits(
        networkx_graph(g.node_count, g.source, g.target), max_iter=100_000, tol=1e-12
    )
    assert np.max(np.abs(result.authorities - [authorities[i] for i in range(g.node_count)])) < 1e-9
    assert np.max(np.abs(result.hubs - [hubs[i] for i in range(g.node_count)])) < 1e-9
    assert result.hubs.sum() == pytest.approx(1.0)
    assert result.authorities.sum() == pytest.approx(1.0)


def test_hits_without_edges_is_uniform() -> None:
    result = hits(3, np.zeros(0, np.int32), np.zeros(0, np.int32))
    assert np.allclose(result.hubs, 1 / 3) and np.allclose(result.authorities, 1 / 3)


def test_degrees_and_rank_order(chwiki_graph: LinkGraph) -> None:
    g = chwiki_graph
    reference = networkx_graph(g.node_count, g.source, g.target)
    assert in_degrees(g.node_count, g.target).tolist() == [
        reference.in_degree(i) for i in range(g.node_count)
    ]
    assert out_degrees(g.node_count, g.source).tolist() == [
        reference.out_degree(i) for i in range(g.node_count)
    ]
    scores = np.array([0.2, 0.5, 0.2, 0.1])
    page_id = np.array([9, 3, 4, 1])
    assert rank_order(scores, page_id).tolist() == [1, 2, 0, 3]  # tie 0.2: page 4 before 9
