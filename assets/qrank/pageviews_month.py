"""pageviews_month: one calendar month of page views summed per join key."""

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pyarrow.compute as pc
import pyarrow.parquet as pq

from assets.code_version import step_version
from partitions import month_partitions
from resources.engine import Engine
from resources.landing import LandingZone
from resources.storage import PARQUET_FILE, Artifacts, source_metadata, table_schema
from wikiforge.landing import fingerprint
from wikiforge.mapreduce import task_table
from wikiforge.qrank.pageviews import (
    MONTH_MAP_SCHEMA,
    MONTH_SCHEMA,
    MONTH_SUM_SQL,
    ViewFileStats,
    month_files,
    view_counts_of_tasks,
    view_file_tasks,
)

# Below this many bytes of input the files are read in this process (the local engine):
# starting worker processes costs more than such a month takes to read.
MIN_PARALLEL_BYTES = 32 << 20


@dataclass(frozen=True)
class MonthViews:
    """What summing a month wrote: distinct keys, total views, and the files' counts."""

    keys: int
    views: int
    stats: ViewFileStats


def write_pageviews_month(
    engine: Engine, files: Sequence[str | os.PathLike], fmt: str, out_path: Path
) -> MonthViews:
    """The pageviews_month step on an engine: sum a month's view files per join key and write
    ``(key, views)`` sorted by key to ``out_path`` (keys whose total is not positive dropped).

    Args:
        engine: The engine resource (``local_engine()`` outside Dagster).
        files: The month's view files (days, or hours for ``pagecounts-raw``).
        fmt: ``PAGEVIEW_COMPLETE`` or ``PAGECOUNTS_RAW``.
        out_path: The Parquet file to write (appears only when complete).

    Raises:
        InputError: if a file cannot be read or decompressed.
    """
    tasks = task_table(view_file_tasks(files, fmt))
    parallel = sum(os.path.getsize(f) for f in files) >= MIN_PARALLEL_BYTES
    with engine.stage(view_counts_of_tasks, tasks, MONTH_MAP_SCHEMA, parallel=parallel) as counts:
        keys = engine.sql_to_parquet(
            MONTH_SUM_SQL, MONTH_SCHEMA, out_path, step="pageviews_month", view_counts=counts
        )
        stats = ViewFileStats.sum_of_rows(engine.stats_of(counts))
    views = sum(
        int(pc.sum(batch.column(0)).as_py() or 0)
        for batch in pq.ParquetFile(out_path).iter_batches(columns=["views"])
    )
    return MonthViews(keys=keys, views=views, stats=stats)


@dg.asset(
    partitions_def=month_partitions,
    group_name="qrank",
    kinds={"python", "duckdb", "spark", "parquet"},
    metadata=table_schema(MONTH_SCHEMA),
    output_required=False,
    code_version=step_version(__name__),
)
def pageviews_month(
    context: dg.AssetExecutionContext, landing: LandingZone, engine: Engine
) -> Iterator[dg.Output[Artifacts]]:
    """Page views of one month summed per join key `lang.project/folded_title`, sorted by key.

    From the month's `pageview_complete` daily `-user` files (desktop and mobile lines summed,
    split on U+0020 only), or for months before 2015 the hourly `pagecounts-raw` files. Runs on
    the engine resource: each file is one map task (worker processes locally, Python workers on
    Spark) that sums its blocks per key; SQL sums the month (DuckDB under a memory limit, so
    memory stays bounded however long the month, or Spark SQL). Malformed lines are skipped and
    counted; days missing from the landing zone are named in the metadata. A month without files
    is skipped.
    """
    month = landing.landing.pageview_months().get(context.partition_key)
    if month is None or not month.files:
        context.log.info(f"{context.partition_key}: no page-view files in the landing zone")
        return
    found = month_files(month)
    art = Artifacts()
    result = write_pageviews_month(engine, found.files, found.fmt, art.path(PARQUET_FILE))
    art.rows = result.keys
    art.stats = {"format": found.fmt, "views": result.views, **result.stats.as_metadata()}
    yield dg.Output(
        art,
        data_version=dg.DataVersion(fingerprint(found.files)),
        metadata={
            "format": found.fmt,
            "keys": result.keys,
            "views": result.views,
            "engine": engine.kind,
            "missing": dg.MetadataValue.json(found.missing),
            "missing_count": len(found.missing),
            **source_metadata(*((p, p.name.split("-")[1][:8]) for p in found.files)),
        },
    )
