"""The resampling graph generator and the target-PageRank link feature."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from bench.support.graph_generate import generate_link_graph
from wikiforge.graph.features import PageRankFeature, database_title
from wikiforge.graph.link_graph import LinkGraph
from wikiforge.graph.scores import in_degrees, out_degrees, pagerank


def test_generator_is_exact_simple_and_seeded(chwiki_graph: LinkGraph) -> None:
    graph = generate_link_graph(30_000, seed=3, reference=[chwiki_graph])
    assert graph.edge_count == 30_000
    keys = graph.source.astype(np.int64) * graph.node_count + graph.target
    assert np.all(np.diff(keys) > 0) and not np.any(graph.source == graph.target)
    again = generate_link_graph(30_000, seed=3, reference=[chwiki_graph])
    assert np.array_equal(again.source, graph.source)
    assert np.array_equal(again.target, graph.target)
    other = generate_link_graph(30_000, seed=4, reference=[chwiki_graph])
    assert not np.array_equal(other.target, graph.target)


def test_generator_keeps_the_real_degree_shape(chwiki_graph: LinkGraph) -> None:
    ref = chwiki_graph
    graph = generate_link_graph(50_000, seed=1, reference=[ref])

    def dangling_share(g: LinkGraph) -> float:
        return float(np.mean(out_degrees(g.node_count, g.source) == 0))

    def orphan_share(g: LinkGraph) -> float:
        return float(np.mean(in_degrees(g.node_count, g.target) == 0))

    assert dangling_share(graph) == pytest.approx(dangling_share(ref), abs=0.03)
    assert orphan_share(graph) == pytest.approx(orphan_share(ref), abs=0.03)
    mean_degree = ref.edge_count / ref.node_count
    assert graph.node_count == math.ceil(50_000 / mean_degree)
    assert graph.title[0].as_py() == "Generated_1"


def test_feature_is_log_relative_pagerank(chwiki_graph: LinkGraph) -> None:
    g = chwiki_graph
    scores = pagerank(g.node_count, g.source, g.target).scores
    table = pa.table({"title": g.title, "score": scores})
    feature = PageRankFeature.from_table(table)
    top = int(np.argmax(scores))
    title = g.title[top].as_py()
    assert feature.value(title) == pytest.approx(math.log10(scores[top] * g.node_count))
    assert feature.value(title.replace("_", " ")) == feature.value(title)
    assert math.isnan(feature.value("No such page"))
    values = feature.values([title, "No such page"])
    assert values.dtype == np.float64 and math.isnan(values[1])
    # The average page scores 0 on average in log terms only for a uniform graph:
    uniform = PageRankFeature(["A", "B"], [0.5, 0.5])
    assert uniform.value("a") == 0.0


def test_database_title() -> None:
    assert database_title(" guam island ") == "Guam_island"
