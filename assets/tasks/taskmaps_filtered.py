"""taskmaps_filtered and one stats table per filter (dangerous, single_step, duplicates)."""

import json

import dagster as dg
import pyarrow as pa

from assets.code_version import step_version
from partitions import crawl_partitions
from resources.storage import Artifacts, StoredAsset, table_schema
from wikiforge.tasks.pipeline import filter_file

TASKMAPS_FILE = "taskmaps.bin"
STATS_FILE = "filter_stats.json"
FILTER_STATS_SCHEMA = pa.schema(
    [
        pa.field("domain", pa.string()),
        pa.field("passed", pa.int64()),
        pa.field("failed", pa.int64()),
    ]
)


@dg.asset(
    partitions_def=crawl_partitions,
    group_name="tasks",
    kinds={"python", "protobuf"},
    code_version=step_version(__name__),
)
def taskmaps_filtered(taskmaps: StoredAsset) -> dg.Output[Artifacts]:
    """TaskMaps that pass every filter: no dangerous-word-list match in the title or any step
    (plurals and punctuation folded), at least two steps, and one copy per duplicate group
    (normalised title + content; the best-rated copy is kept). `filter_stats.json` holds each
    filter's counts per domain and example failures.
    """
    art = Artifacts()
    stats = filter_file(taskmaps.path(TASKMAPS_FILE), art.path(TASKMAPS_FILE), art.path(STATS_FILE))
    art.rows = stats["kept"]
    art.stats = stats
    return dg.Output(art, metadata=stats)


def _filter_stats_asset(filter_name: str):
    @dg.asset(
        name=f"task_filter_stats_{filter_name}",
        partitions_def=crawl_partitions,
        group_name="tasks",
        kinds={"python", "parquet"},
        metadata=table_schema(FILTER_STATS_SCHEMA),
        code_version=step_version(__name__),
        description=(
            f"Per-domain passed/failed counts of the `{filter_name}` filter (examples of "
            "failures in the metadata)."
        ),
    )
    def stats_asset(taskmaps_filtered: StoredAsset) -> dg.Output[pa.Table]:
        stats = json.loads(taskmaps_filtered.path(STATS_FILE).read_text())[filter_name]
        domains = sorted(stats["by_domain"])
        table = pa.table(
            {
                "domain": domains,
                "passed": [stats["by_domain"][d].get("passed", 0) for d in domains],
                "failed": [stats["by_domain"][d].get("failed", 0) for d in domains],
            },
            schema=FILTER_STATS_SCHEMA,
        )
        return dg.Output(
            table,
            metadata={
                "passed": stats["passed"],
                "failed": stats["failed"],
                "examples": dg.MetadataValue.json(stats["examples"][:20]),
            },
        )

    return stats_asset


task_filter_stats_dangerous = _filter_stats_asset("dangerous")
task_filter_stats_single_step = _filter_stats_asset("single_step")
task_filter_stats_duplicates = _filter_stats_asset("duplicates")
