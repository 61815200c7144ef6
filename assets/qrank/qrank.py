"""qrank (the published qrank.csv.gz), qrank_stats (its stats JSON and plot), and their checks."""

import base64
import json

import dagster as dg

from assets.code_version import step_version
from partitions import wikidata_dump_partitions
from resources.storage import PARQUET_FILE, Artifacts, DataStore, StoredAsset
from wikiforge.qrank.ranking import (
    plot_distribution,
    qrank_file_stats,
    validate_qrank,
    write_qrank,
)

QRANK_FILE = "qrank.csv.gz"
STATS_FILE = "qrank-stats.json"
PLOT_FILE = "qrank-distribution.png"


@dg.asset(
    partitions_def=wikidata_dump_partitions,
    group_name="qrank",
    kinds={"python", "duckdb", "csv"},
    code_version=step_version(__name__),
)
def qrank(context: dg.AssetExecutionContext, qviews: StoredAsset) -> dg.Output[Artifacts]:
    """Every viewed entity ranked: `qrank.csv.gz` with header `Entity,QRank`, rows `Q4,77`,
    views descending and ties by numeric id ascending, as QRank publishes it.

    Streamed from DuckDB's sorted output into gzip with no name or time in the header, so the
    same ranking always has the same sha256 (the download's ETag). Served at
    `/download/qrank.csv.gz`; a new version replaces the old one atomically.
    """
    art = Artifacts()
    stats = write_qrank(qviews.path(PARQUET_FILE), art.path(QRANK_FILE))
    art.rows = stats.entities
    art.stats = {
        "sha256": stats.sha256,
        "entities": stats.entities,
        "spike_cap": qviews.manifest.get("stats", {}).get("spike_cap", 0.0),
    }
    top = [f"{entity} {views:,}" for entity, _, views in stats.samples[:10]]
    return dg.Output(
        art,
        metadata={
            "dump_date": context.partition_key,
            "sha256": stats.sha256,
            "median_rank": stats.median_rank,
            "median_views": stats.median_views,
            "top10": dg.MetadataValue.json(top),
        },
    )


@dg.asset_check(
    asset=qrank,
    blocking=True,
    description="Non-empty, sorted as specified, no duplicate entity, valid Q-ids.",
)
def qrank_valid(context: dg.AssetCheckExecutionContext, store: DataStore) -> dg.AssetCheckResult:
    """Reads the published file once: rows > 0, order views desc then id asc, every entity a
    `Q<positive integer>` with an integer value, and each entity once.
    """
    stored = store.require("qrank", context.partition_key)
    found = validate_qrank(stored.path(QRANK_FILE))
    passed = (
        found["rows"] > 0
        and found["invalid_ids"] == 0
        and found["unsorted_at"] == 0
        and found["duplicates"] == 0
    )
    return dg.AssetCheckResult(passed=passed, metadata=found)


@dg.asset(
    partitions_def=wikidata_dump_partitions,
    group_name="qrank",
    kinds={"python", "json"},
    code_version=step_version(__name__),
)
def qrank_stats(context: dg.AssetExecutionContext, qrank: StoredAsset) -> dg.Output[Artifacts]:
    """Stats of the published ranking (`qrank-stats.json`, served beside the download): sha256,
    line count, median, and a sample of the rank distribution as [entity, rank, views] rows, as
    the reference's stats; plus `qrank-distribution.png`, the distribution drawn log-log.
    """
    stats = qrank_file_stats(qrank.path(QRANK_FILE))
    art = Artifacts()
    document = stats.as_json(dump_date=context.partition_key)
    art.path(STATS_FILE).write_text(json.dumps(document, indent=2) + "\n")
    png = plot_distribution(stats, title=f"QRank {context.partition_key}")
    art.path(PLOT_FILE).write_bytes(png)
    art.rows = len(stats.samples)
    picture = base64.b64encode(png).decode("ascii")
    return dg.Output(
        art,
        metadata={
            "dump_date": context.partition_key,
            "sha256": stats.sha256,
            "lines": stats.lines,
            "median_rank": stats.median_rank,
            "median_views": stats.median_views,
            "samples": len(stats.samples),
            "distribution": dg.MetadataValue.md(
                f"![distribution](data:image/png;base64,{picture})"
            ),
        },
    )


@dg.asset_check(
    asset=qrank_stats,
    blocking=True,
    description="The stats describe the published file (same sha256 and lines).",
)
def qrank_stats_match_file(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """The stats JSON must name the sha256 of the qrank file it sits beside."""
    stats = json.loads(
        store.require("qrank_stats", context.partition_key).path(STATS_FILE).read_text()
    )
    published = store.require("qrank", context.partition_key).files[QRANK_FILE]["sha256"]
    return dg.AssetCheckResult(
        passed=stats["Sha256"] == published and stats["Entities"] > 0,
        metadata={"stats_sha256": stats["Sha256"], "file_sha256": published},
    )
