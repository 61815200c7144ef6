"""taskmaps: TaskMap protobufs parsed from a crawl's HTML documents."""

import dagster as dg

from partitions import crawl_partitions
from resources.storage import Artifacts, DataStore, StoredAsset
from wikiforge.tasks.parsers.model import execution_order
from wikiforge.tasks.pipeline import parse_batches
from wikiforge.tasks.proto import TaskMap
from wikiforge.tasks.stream import read_file

TASKMAPS_FILE = "taskmaps.bin"


@dg.asset(
    partitions_def=crawl_partitions,
    group_name="tasks",
    kinds={"python", "protobuf"},
    code_version="1",
)
def taskmaps(html_documents: StoredAsset) -> dg.Output[Artifacts]:
    """TaskMaps (OAT-compatible protobufs, length-delimited in `taskmaps.bin`) of every page a
    parser understood: wikiHow (every method and part), Serious Eats, and schema.org Recipe /
    HowTo JSON-LD or microdata on any site. Steps are chained by `connection_list` in page
    order; rejected pages are counted by reason (no task found, no title, no steps).
    """
    art = Artifacts()
    stats = parse_batches(html_documents.iter_batches(batch_size=64), art.path(TASKMAPS_FILE))
    art.rows = stats.get("taskmaps", 0)
    art.stats = stats
    return dg.Output(art, metadata={"taskmaps": art.rows})


def check_chains(path) -> tuple[int, int]:
    """(TaskMaps read, TaskMaps whose connection_list is not one chain over all steps)."""
    total = broken = 0
    for taskmap in read_file(path, TaskMap):
        total += 1
        order = execution_order(taskmap)
        ids = [s.unique_id for s in order]
        edges = {(e.id_from, e.id_to) for e in taskmap.connection_list}
        chained = all((a, b) in edges for a, b in zip(ids, ids[1:]))
        if not chained or len(edges) != max(0, len(ids) - 1):
            broken += 1
    return total, broken


@dg.asset_check(
    asset=taskmaps,
    blocking=True,
    description="Every TaskMap's steps form one chain in execution order.",
)
def taskmaps_chained(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """The execution order lives in connection_list; a gap would lose steps at serving time."""
    stored = store.require("taskmaps", context.partition_key)
    total, broken = check_chains(stored.path(TASKMAPS_FILE))
    return dg.AssetCheckResult(passed=broken == 0, metadata={"taskmaps": total, "broken": broken})
