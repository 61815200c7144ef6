"""task_index: sparse BM25, dense vectors and an id lookup over the augmented tasks."""

import dagster as dg
from pydantic import Field

from assets.code_version import step_version
from partitions import crawl_partitions
from resources.storage import Artifacts, DataStore, StoredAsset
from wikiforge.tasks.encoder import DEFAULT_ENCODER_KEY, minilm_encoder, static_encoder
from wikiforge.tasks.index import TaskIndex, build_index
from wikiforge.tasks.proto import TaskMap
from wikiforge.tasks.stream import read_file

TASKMAPS_FILE = "taskmaps.bin"
ENCODERS = ("model2vec", "minilm")


class TaskIndexConfig(dg.Config):
    """A run's choice of document encoder (the jobs default to ``WIKIFORGE_TASK_ENCODER``)."""

    encoder: str = Field(
        default="model2vec",
        description="model2vec: the distilled task_encoder asset (fast queries); minilm: the "
        "packaged all-MiniLM-L6-v2 transformer (slower queries).",
    )


@dg.asset(
    partitions_def=crawl_partitions,
    ins={
        "taskmaps_augmented": dg.AssetIn(),
        "task_encoder": dg.AssetIn(
            partition_mapping=dg.SpecificPartitionsPartitionMapping([DEFAULT_ENCODER_KEY])
        ),
    },
    group_name="tasks",
    kinds={"python", "numpy"},
    code_version=step_version(__name__),
)
def task_index(
    config: TaskIndexConfig, taskmaps_augmented: StoredAsset, task_encoder: StoredAsset
) -> dg.Output[Artifacts]:
    """Search index of a crawl's tasks: bm25s Okapi BM25 over title, requirements and steps;
    dense vectors from the `task_encoder` asset (model2vec distilled from the packaged
    all-MiniLM-L6-v2; a run configured with `encoder: minilm`, the jobs' default when
    `WIKIFORGE_TASK_ENCODER=minilm`, embeds with the transformer instead), its fingerprint recorded so queries use the same encoder; TaskMaps stored with their byte
    offsets for lookup by id. Served by `/v1/tasks/search` (hybrid = reciprocal rank fusion,
    k = 60) and `/v1/tasks/{id}`.
    """
    if config.encoder == "model2vec":
        encoder = static_encoder(task_encoder.dir)
    elif config.encoder == "minilm":
        encoder = minilm_encoder()
    else:
        raise dg.Failure(f"task_index encoder {config.encoder!r}: expected one of {ENCODERS}")
    art = Artifacts()
    meta = build_index(read_file(taskmaps_augmented.path(TASKMAPS_FILE), TaskMap), art.dir, encoder)
    art.rows = meta["taskmaps"]
    art.stats = {k: v for k, v in meta.items() if isinstance(v, (int, str))}
    return dg.Output(
        art,
        metadata={
            "taskmaps": meta["taskmaps"],
            "vocabulary": meta["vocabulary"],
            "encoder": meta["encoder"]["kind"],
            "encoder_fingerprint": meta["encoder"]["fingerprint"],
            "dense_dim": meta["dense_dim"],
        },
    )


@dg.asset_check(
    asset=task_index,
    blocking=True,
    description="Every indexed id is found by lookup and its TaskMap matches.",
)
def task_index_lookup(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """Reads back every TaskMap by id from the published index files."""
    stored = store.require("task_index", context.partition_key)
    index = TaskIndex.load(stored.dir)
    wrong = sum(1 for tid in index.ids if (t := index.get(tid)) is None or t.taskmap_id != tid)
    return dg.AssetCheckResult(passed=wrong == 0, metadata={"ids": len(index), "wrong": wrong})
