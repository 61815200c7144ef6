"""degrees: in- and out-degree of every article of a wiki, with global degree statistics."""

import dagster as dg
import pyarrow as pa

from assets.code_version import step_version
from assets.graph.link_graph import load_link_graph
from partitions import wiki_partitions
from resources.storage import table_schema
from wikiforge.graph.tables import DEGREES_SCHEMA, degree_properties, degrees_table
from wikiforge.storage import StoredAsset


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="graph",
    kinds={"python", "numpy", "parquet"},
    metadata=table_schema(DEGREES_SCHEMA),
    code_version=step_version(__name__),
)
def degrees(link_graph: StoredAsset) -> dg.Output[pa.Table]:
    """In- and out-degree of every article in node (page id) order; the metadata holds nodes,
    edges, mean degree, the largest in/out degree and the dangling, orphan and isolated counts.
    """
    graph = load_link_graph(link_graph)
    return dg.Output(degrees_table(graph), metadata=degree_properties(graph))
