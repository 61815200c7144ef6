"""hits: hub and authority scores (Kleinberg's HITS) of every article of a wiki."""

import dagster as dg
import pyarrow as pa

from assets.code_version import step_version
from assets.graph.link_graph import load_link_graph
from partitions import wiki_partitions
from resources.storage import table_schema
from wikiforge.graph.scores import hits as compute_hits
from wikiforge.graph.tables import HITS_SCHEMA, hits_table
from wikiforge.storage import StoredAsset


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="graph",
    kinds={"python", "scipy", "parquet"},
    metadata=table_schema(HITS_SCHEMA),
    code_version=step_version(__name__),
)
def hits(link_graph: StoredAsset) -> dg.Output[pa.Table]:
    """Hub and authority score of every article (each sums to 1), in node (page id) order.

    Power iteration until the L1 change of the authority vector is below 1e-10 or 1,000 rounds;
    the metadata says whether it converged, with the last residual and the rounds run.
    """
    graph = load_link_graph(link_graph)
    result = compute_hits(graph.node_count, graph.source, graph.target)
    return dg.Output(
        hits_table(graph, result),
        metadata={
            "iterations": result.iterations,
            "residual": result.residual,
            "converged": result.converged,
            "seconds": result.seconds,
        },
    )
