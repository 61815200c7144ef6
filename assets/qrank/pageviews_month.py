"""pageviews_month: one calendar month of page views summed per join key."""

import calendar
import os
from collections.abc import Iterator

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
    PAGECOUNTS_RAW,
    PAGEVIEW_COMPLETE,
    view_counts_of_tasks,
    view_file_stats,
    view_file_tasks,
)

# Below this many bytes of input the files are read in this process (the local engine):
# starting worker processes costs more than such a month takes to read.
MIN_PARALLEL_BYTES = 32 << 20


def _missing(month_key: str, fmt: str, files) -> list[str]:
    """Days (or hours, for pagecounts-raw) of the month with no file in the landing zone."""
    year, mon = int(month_key[:4]), int(month_key[5:7])
    days = calendar.monthrange(year, mon)[1]
    if fmt == PAGEVIEW_COMPLETE:
        have = {p.name.split("-")[1] for p in files}
        return [
            f"{year:04d}{mon:02d}{d:02d}"
            for d in range(1, days + 1)
            if f"{year:04d}{mon:02d}{d:02d}" not in have
        ]
    have = {"-".join(p.name.split("-")[1:3])[:11] for p in files}
    return [
        f"{year:04d}{mon:02d}{d:02d}-{h:02d}"
        for d in range(1, days + 1)
        for h in range(24)
        if f"{year:04d}{mon:02d}{d:02d}-{h:02d}" not in have
    ]


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
    fmt = PAGEVIEW_COMPLETE if month.daily else PAGECOUNTS_RAW
    files = list(month.daily or month.hourly)
    art = Artifacts()
    tasks = task_table(view_file_tasks(files, fmt))
    parallel = sum(os.path.getsize(f) for f in files) >= MIN_PARALLEL_BYTES
    with engine.stage(view_counts_of_tasks, tasks, MONTH_MAP_SCHEMA, parallel=parallel) as counts:
        keys = engine.sql_to_parquet(
            MONTH_SUM_SQL,
            MONTH_SCHEMA,
            art.path(PARQUET_FILE),
            step="pageviews_month",
            view_counts=counts,
        )
        stats = view_file_stats(engine.stats_of(counts))
    views = sum(
        int(pc.sum(batch.column(0)).as_py() or 0)
        for batch in pq.ParquetFile(art.path(PARQUET_FILE)).iter_batches(columns=["views"])
    )
    missing = _missing(context.partition_key, fmt, files)
    art.rows = keys
    art.stats = {"format": fmt, "views": views, **stats.as_metadata()}
    yield dg.Output(
        art,
        data_version=dg.DataVersion(fingerprint(files)),
        metadata={
            "format": fmt,
            "keys": keys,
            "views": views,
            "engine": engine.kind,
            "missing": dg.MetadataValue.json(missing),
            "missing_count": len(missing),
            **source_metadata(*((p, p.name.split("-")[1][:8]) for p in files)),
        },
    )
