"""qviews: views per entity over the 12 calendar months before the Wikidata dump's month."""

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from assets.code_version import step_version
from partitions import wikidata_dump_partitions
from resources.engine import Engine
from resources.storage import PARQUET_FILE, Artifacts, DataStore, StoredAsset, table_schema
from wikiforge.qrank.qviews import (
    QVIEWS_CAPPED_SCHEMA,
    QVIEWS_ORDER_SQL,
    QVIEWS_SCHEMA,
    QVIEWS_TOTALS_SCHEMA,
    QVIEWS_TOTALS_SQL,
    month_table,
    qviews_sql,
    window_months,
)


def write_qviews(
    engine: Engine,
    sitelinks: Any,
    months: Mapping[str, Any],
    out_path: Path,
    spike_cap: float | None = None,
) -> dict[str, int]:
    """The qviews step on an engine: join each month's views to the sitelinks, sum (or
    spike-cap) per entity, and write ``(qid, views)`` sorted by qid to ``out_path``.

    Args:
        engine: The engine resource (``local_engine()`` outside Dagster).
        sitelinks: The dump's ``sitelinks`` table (a ``StoredAsset`` or ``Staged`` files).
        months: ``YYYY-MM`` -> that month's ``pageviews_month`` table; absent months are
            simply not summed.
        out_path: The Parquet file to write.
        spike_cap: None for the plain sum; K >= 1 caps each month at K median months.

    Returns:
        ``entities``, ``views`` and ``capped`` (entities with a capped month).

    Raises:
        ValueError: if ``spike_cap`` is below 1.
    """
    tables = {month_table(m): table for m, table in months.items()}
    with engine.staged_sql(
        qviews_sql(sorted(months), spike_cap), QVIEWS_CAPPED_SCHEMA, sitelinks=sitelinks, **tables
    ) as qv:
        engine.sql_to_parquet(QVIEWS_ORDER_SQL, QVIEWS_SCHEMA, out_path, step="qviews", qv=qv)
        return engine.sql_table(QVIEWS_TOTALS_SQL, QVIEWS_TOTALS_SCHEMA, qv=qv).to_pylist()[0]


class QViewsConfig(dg.Config):
    """How views are summed over the window."""

    spike_cap: float = Field(
        default=0.0,
        description="0: plain sum (as the reference). K >= 1: cap each entity's monthly views "
        "at K times its own median month before summing (spike resistance).",
    )


@dg.asset(
    partitions_def=wikidata_dump_partitions,
    group_name="qrank",
    kinds={"python", "duckdb", "spark", "parquet"},
    metadata=table_schema(QVIEWS_SCHEMA),
    deps=[dg.AssetDep("pageviews_month", partition_mapping=dg.AllPartitionMapping())],
    output_required=False,
    code_version=step_version(__name__),
)
def qviews(
    context: dg.AssetExecutionContext,
    config: QViewsConfig,
    sitelinks: StoredAsset,
    store: DataStore,
    engine: Engine,
) -> Iterator[dg.Output[Artifacts]]:
    """Views per entity (numeric id, views) summed over the 12 calendar months before the dump's
    month, joining each month's `pageviews_month` to the dump's `sitelinks` by key.

    Months not materialized are named in the metadata (`missing_months`); the run goes on with
    the others. With `spike_cap` K >= 1, each entity's month is capped at K times its own median
    month first (see `wikiforge.qrank.qviews`), so a one-month spike cannot lift an obscure page
    above steadily read ones. The join is SQL on the engine resource (DuckDB or Spark SQL).
    """
    months = window_months(context.partition_key)
    found: dict[str, StoredAsset] = {}
    versions: dict[str, str] = {}
    for month in months:
        stored = store.current("pageviews_month", f"{month}-01")
        if stored is not None:
            found[month] = stored
            versions[month] = stored.version
    missing = [m for m in months if m not in found]
    if not found:
        # A landing zone without page views: nothing to rank. qviews, qrank and qrank_stats are
        # skipped (not failed), and each says why where the UI shows it.
        reason = (
            f"skipped: no pageviews_month materialized for {months[0]}..{months[-1]} "
            "(the landing zone has no page views for this dump's 12-month window)"
        )
        context.log.info(reason)
        for key in ("qviews", "qrank", "qrank_stats"):
            context.log_event(
                dg.AssetObservation(
                    asset_key=key,
                    partition=context.partition_key,
                    metadata={"skipped": reason, "missing_months": dg.MetadataValue.json(months)},
                )
            )
        return
    cap = config.spike_cap if config.spike_cap and config.spike_cap > 0 else None
    art = Artifacts()
    totals = write_qviews(engine, sitelinks, found, art.path(PARQUET_FILE), cap)
    art.rows = totals["entities"]
    art.stats = {
        "views": totals["views"],
        "spike_cap": cap or 0.0,
        "capped_entities": totals["capped"],
    }
    yield dg.Output(
        art,
        metadata={
            "dump_date": context.partition_key,
            "window": f"{months[0]}..{months[-1]}",
            "months_used": dg.MetadataValue.json(sorted(found)),
            "engine": engine.kind,
            "missing_months": dg.MetadataValue.json(missing),
            "pageviews_month_versions": dg.MetadataValue.json(versions),
        },
    )
