"""taskmaps: TaskMap protobufs parsed from a crawl's HTML documents."""

import dagster as dg

from assets.code_version import step_version
from partitions import crawl_partitions
from resources.storage import Artifacts, DataStore, StoredAsset
from wikiforge.tasks.parsers.model import execution_order
from wikiforge.tasks.pipeline import parse_batches
from wikiforge.tasks.proto import TaskMap
from wikiforge.tasks.stream import read_file

TASKMAPS_FILE = "taskmaps.bin"
FAILURES_FILE = "failures.parquet"


@dg.asset(
    partitions_def=crawl_partitions,
    group_name="tasks",
    kinds={"python", "protobuf"},
    code_version=step_version(__name__),
)
def taskmaps(html_documents: StoredAsset) -> dg.Output[Artifacts]:
    """TaskMaps (OAT-compatible protobufs, length-delimited in `taskmaps.bin`) of every page a
    parser understood: wikiHow (every method and part, each method its own chain), Serious
    Eats, and on any site the generic layered extractor (schema.org JSON-LD / microdata / RDFa
    / h-recipe, recipe-plugin markup, page structure); `extraction_layer` names the layer.
    Every page that gives no TaskMap is a row of `failures.parquet` (url, reason, layer):
    `no_task_markup`, `not_a_task_page:<encyclopedia|news|listing|home>`,
    `markup_without_steps`, `ingredients_without_steps`, `no_title`, `unparseable_html`,
    `duplicate_url`.
    """
    art = Artifacts()
    stats = parse_batches(
        html_documents.iter_batches(batch_size=64),
        art.path(TASKMAPS_FILE),
        art.path(FAILURES_FILE),
    )
    art.rows = stats.get("taskmaps", 0)
    art.stats = stats
    rejected = {
        k.removeprefix("rejected_"): v for k, v in stats.items() if k.startswith("rejected_")
    }
    return dg.Output(
        art,
        metadata={
            "taskmaps": art.rows,
            "documents": stats.get("documents", 0),
            "taskmaps_by_layer": dg.MetadataValue.json(stats.get("parsers", {})),
            "failures_by_reason": dg.MetadataValue.json(rejected),
        },
    )


def chains_ok(taskmap: TaskMap) -> bool:
    """connection_list is a set of disjoint linear chains covering every step exactly once
    (one chain, or one per alternative method): no step has two successors or two
    predecessors, no edge points outside the steps, and there is no cycle.
    """
    ids = {s.unique_id for s in taskmap.steps}
    edges = [(e.id_from, e.id_to) for e in taskmap.connection_list]
    sources = [a for a, _ in edges]
    targets = [b for _, b in edges]
    if len(set(sources)) != len(sources) or len(set(targets)) != len(targets):
        return False
    if not set(sources) <= ids or not set(targets) <= ids:
        return False
    starts = ids - set(targets)
    nexts = dict(edges)
    reached = 0
    for start in starts:
        current = start
        while current is not None:
            reached += 1
            current = nexts.get(current)
    return reached == len(ids) and len(execution_order(taskmap)) == len(ids)


def check_chains(path) -> tuple[int, int]:
    """(TaskMaps read, TaskMaps whose connection_list is not chains over all steps)."""
    total = broken = 0
    for taskmap in read_file(path, TaskMap):
        total += 1
        broken += not chains_ok(taskmap)
    return total, broken


@dg.asset_check(
    asset=taskmaps,
    blocking=True,
    description="Every TaskMap's steps form linear chains (one per alternative method).",
)
def taskmaps_chained(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """The execution order lives in connection_list; a gap would lose steps at serving time."""
    stored = store.require("taskmaps", context.partition_key)
    total, broken = check_chains(stored.path(TASKMAPS_FILE))
    return dg.AssetCheckResult(passed=broken == 0, metadata={"taskmaps": total, "broken": broken})
