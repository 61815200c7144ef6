"""Output tables of the graph line (what the assets write and the server reads)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from wikiforge.graph.link_graph import LinkGraph
from wikiforge.graph.scores import HitsResult, PageRankResult, in_degrees, out_degrees, rank_order

#: One row per article, in rank order (rank 1 = highest score; ties by page id).
PAGERANK_SCHEMA = pa.schema(
    [
        pa.field("rank", pa.int64(), nullable=False),
        pa.field("node_id", pa.int32(), nullable=False),
        pa.field("page_id", pa.int64(), nullable=False),
        pa.field("title", pa.string(), nullable=False),
        pa.field("score", pa.float64(), nullable=False),
        pa.field("in_degree", pa.int64(), nullable=False),
        pa.field("out_degree", pa.int64(), nullable=False),
    ]
)
#: One row per article in node order.
HITS_SCHEMA = pa.schema(
    [
        pa.field("node_id", pa.int32(), nullable=False),
        pa.field("page_id", pa.int64(), nullable=False),
        pa.field("title", pa.string(), nullable=False),
        pa.field("hub", pa.float64(), nullable=False),
        pa.field("authority", pa.float64(), nullable=False),
    ]
)
#: One row per article in node order.
DEGREES_SCHEMA = pa.schema(
    [
        pa.field("node_id", pa.int32(), nullable=False),
        pa.field("page_id", pa.int64(), nullable=False),
        pa.field("title", pa.string(), nullable=False),
        pa.field("in_degree", pa.int64(), nullable=False),
        pa.field("out_degree", pa.int64(), nullable=False),
    ]
)
#: Entities in rank order.
ENTITY_PAGERANK_SCHEMA = pa.schema(
    [
        pa.field("rank", pa.int64(), nullable=False),
        pa.field("entity", pa.string(), nullable=False),
        pa.field("score", pa.float64(), nullable=False),
        pa.field("wikis", pa.int32(), nullable=False),
        pa.field("best_wiki", pa.string()),
    ]
)
#: Entities by smeared views, descending.
SMEARED_VIEWS_SCHEMA = pa.schema(
    [
        pa.field("entity", pa.string(), nullable=False),
        pa.field("views", pa.float64(), nullable=False),
        pa.field("smeared_views", pa.float64(), nullable=False),
    ]
)


def _node_columns(graph: LinkGraph) -> list[pa.Array]:
    return [
        pa.array(np.arange(graph.node_count, dtype=np.int32)),
        pa.array(graph.page_id, type=pa.int64()),
        graph.title.cast(pa.string()),
    ]


def pagerank_table(graph: LinkGraph, result: PageRankResult) -> pa.Table:
    """The `pagerank` table: every article with rank, score and degrees, in rank order."""
    order = rank_order(result.scores, graph.page_id)
    ranks = np.arange(1, graph.node_count + 1, dtype=np.int64)
    nodes = _node_columns(graph)
    return pa.table(
        [
            pa.array(ranks),
            nodes[0].take(order),
            nodes[1].take(order),
            nodes[2].take(order),
            pa.array(result.scores[order]),
            pa.array(in_degrees(graph.node_count, graph.target)[order]),
            pa.array(out_degrees(graph.node_count, graph.source)[order]),
        ],
        schema=PAGERANK_SCHEMA,
    )


def hits_table(graph: LinkGraph, result: HitsResult) -> pa.Table:
    """The `hits` table: hub and authority score of every article, in node order."""
    return pa.table(
        [*_node_columns(graph), pa.array(result.hubs), pa.array(result.authorities)],
        schema=HITS_SCHEMA,
    )


def degrees_table(graph: LinkGraph) -> pa.Table:
    """The `degrees` table: in- and out-degree of every article, in node order."""
    return pa.table(
        [
            *_node_columns(graph),
            pa.array(in_degrees(graph.node_count, graph.target)),
            pa.array(out_degrees(graph.node_count, graph.source)),
        ],
        schema=DEGREES_SCHEMA,
    )


def degree_properties(graph: LinkGraph) -> dict[str, float | int]:
    """Global degree statistics (for metadata)."""
    n = graph.node_count
    inward = in_degrees(n, graph.target)
    outward = out_degrees(n, graph.source)
    return {
        "nodes": n,
        "edges": graph.edge_count,
        "mean_degree": graph.edge_count / n if n else 0.0,
        "max_in_degree": int(inward.max()) if n else 0,
        "max_out_degree": int(outward.max()) if n else 0,
        "dangling_nodes": int(np.count_nonzero(outward == 0)),
        "orphan_nodes": int(np.count_nonzero(inward == 0)),
        "isolated_nodes": int(np.count_nonzero((inward == 0) & (outward == 0))),
    }
