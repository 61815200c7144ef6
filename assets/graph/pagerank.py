"""pagerank: PageRank of every article of a wiki, with the run's global properties."""

import dagster as dg
import pyarrow as pa

from assets.code_version import step_version
from assets.graph.link_graph import load_link_graph
from partitions import wiki_partitions
from resources.storage import DataStore, table_schema
from wikiforge.graph.scores import DEFAULT_DAMPING, DEFAULT_TOLERANCE
from wikiforge.graph.scores import pagerank as compute_pagerank
from wikiforge.graph.tables import PAGERANK_SCHEMA, pagerank_table
from wikiforge.storage import StoredAsset


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="graph",
    kinds={"python", "scipy", "parquet"},
    metadata=table_schema(PAGERANK_SCHEMA),
    code_version=step_version(__name__),
)
def pagerank(link_graph: StoredAsset) -> dg.Output[pa.Table]:
    """PageRank of every article, in rank order (ties by page id), with in- and out-degree.

    Power iteration on a SciPy sparse matrix: damping 0.85, the mass of dangling pages spread
    uniformly, run until the L1 change between two rounds is below 1e-10; scores sum to 1 and
    are deterministic. The metadata records the global properties: nodes, edges, dangling nodes
    and their mass, iterations, final residual and the seconds taken.
    """
    graph = load_link_graph(link_graph)
    result = compute_pagerank(
        graph.node_count,
        graph.source,
        graph.target,
        damping=DEFAULT_DAMPING,
        tol=DEFAULT_TOLERANCE,
    )
    table = pagerank_table(graph, result)
    properties = result.properties()
    top = table.slice(0, 10).select(["rank", "title", "score"]).to_pylist()
    return dg.Output(
        table,
        metadata={
            **{key: value for key, value in properties.items()},
            "edges": graph.edge_count,
            "top10": dg.MetadataValue.json(top),
        },
    )


@dg.asset_check(
    asset=pagerank,
    blocking=True,
    description="Scores sum to 1, the iteration converged, ranks are 1..n.",
)
def pagerank_is_a_distribution(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """A PageRank table that does not sum to 1 or is out of order would mislead every reader."""
    import numpy as np

    table = store.require("pagerank", context.partition_key).table(["rank", "score"])
    scores = table.column("score").to_numpy()
    ranks = table.column("rank").to_numpy()
    total = float(scores.sum()) if scores.size else 1.0
    ordered = bool(np.all(np.diff(scores) <= 0))
    dense_ranks = bool(np.array_equal(ranks, np.arange(1, len(ranks) + 1)))
    return dg.AssetCheckResult(
        passed=abs(total - 1.0) < 1e-9 and ordered and dense_ranks and bool(np.all(scores > 0)),
        metadata={"sum": total, "descending": ordered, "ranks_1_to_n": dense_ranks},
    )
