"""pageviews_month: one calendar month of page views summed per join key."""

import calendar
import tempfile
from collections.abc import Iterator

import dagster as dg

from partitions import month_partitions
from resources.landing import LandingZone
from resources.storage import PARQUET_FILE, Artifacts, source_metadata, table_schema
from wikiforge.landing import fingerprint
from wikiforge.qrank.pageviews import (
    MONTH_SCHEMA,
    PAGECOUNTS_RAW,
    PAGEVIEW_COMPLETE,
    aggregate_month,
)

WORKERS = 2


def _missing(month_key: str, fmt: str, files) -> list[str]:
    """Days (or hours, for pagecounts-raw) of the month with no file in the landing zone."""
    year, mon = int(month_key[:4]), int(month_key[5:7])
    days = calendar.monthrange(year, mon)[1]
    if fmt == PAGEVIEW_COMPLETE:
        have = {p.name.split("-")[1] for p in files}
        return [f"{year:04d}{mon:02d}{d:02d}" for d in range(1, days + 1)
                if f"{year:04d}{mon:02d}{d:02d}" not in have]
    have = {"-".join(p.name.split("-")[1:3])[:11] for p in files}
    return [f"{year:04d}{mon:02d}{d:02d}-{h:02d}" for d in range(1, days + 1) for h in range(24)
            if f"{year:04d}{mon:02d}{d:02d}-{h:02d}" not in have]


@dg.asset(
    partitions_def=month_partitions,
    group_name="qrank",
    kinds={"python", "duckdb", "parquet"},
    metadata=table_schema(MONTH_SCHEMA),
    output_required=False,
    code_version="1",
)
def pageviews_month(
    context: dg.AssetExecutionContext, landing: LandingZone
) -> Iterator[dg.Output[Artifacts]]:
    """Page views of one month summed per join key `lang.project/folded_title`, sorted by key.

    From the month's `pageview_complete` daily `-user` files (desktop and mobile lines summed,
    split on U+0020 only), or for months before 2015 the hourly `pagecounts-raw` files. Days are
    read in parallel worker processes; DuckDB sums them under a memory limit, so memory stays
    bounded however long the month. Malformed lines are skipped and counted; days missing from
    the landing zone are named in the metadata. A month without files is skipped.
    """
    month = landing.landing.pageview_months().get(context.partition_key)
    if month is None or not month.files:
        context.log.info(f"{context.partition_key}: no page-view files in the landing zone")
        return
    fmt = PAGEVIEW_COMPLETE if month.daily else PAGECOUNTS_RAW
    files = list(month.daily or month.hourly)
    art = Artifacts()
    with tempfile.TemporaryDirectory(prefix="qrank-month-") as work:
        result = aggregate_month(files, fmt, art.path(PARQUET_FILE), work, workers=WORKERS)
    missing = _missing(context.partition_key, fmt, files)
    art.rows = result.keys
    art.stats = {"format": fmt, "views": result.views, **result.stats.as_metadata()}
    yield dg.Output(
        art,
        data_version=dg.DataVersion(fingerprint(files)),
        metadata={
            "format": fmt,
            "keys": result.keys,
            "views": result.views,
            "missing": dg.MetadataValue.json(missing),
            "missing_count": len(missing),
            **source_metadata(*((p, p.name.split("-")[1][:8]) for p in files)),
        },
    )
