"""item_images: the P31/P18/P373 claims of a Wikidata dump's items."""

import tempfile
from collections.abc import Iterator

import dagster as dg
import polars as pl

from assets.code_version import step_version
from partitions import wikidata_dump_partitions
from resources.landing import LandingZone
from resources.storage import PARQUET_FILE, Artifacts, DataStore, source_metadata, table_schema
from wikiforge.images.tables import ITEM_IMAGES_SCHEMA
from wikiforge.images.wikidata import build_item_images

WORKERS = 2
#: Below this size a dump is read in this process: starting workers costs more than it saves.
PARALLEL_FROM_BYTES = 16 << 20


@dg.asset(
    partitions_def=wikidata_dump_partitions,
    group_name="images",
    deps=["wikidata_dump"],
    kinds={"python", "duckdb", "parquet"},
    metadata=table_schema(ITEM_IMAGES_SCHEMA),
    output_required=False,
    code_version=step_version(__name__),
)
def item_images(
    context: dg.AssetExecutionContext, landing: LandingZone
) -> Iterator[dg.Output[Artifacts]]:
    """Instance of (P31), image (P18, file names in database form) and Commons category (P373)
    of every item with a sitelink or a Commons category, sorted by item number.

    The dump is read in parallel parts like `sitelinks`; deprecated statements and snaks
    without a value are left out, entities that do not parse are skipped and counted.
    """
    dump = landing.landing.wikidata_dump(context.partition_key)
    if dump is None:
        context.log.info(f"{context.partition_key}: no Wikidata dump in the landing zone")
        return
    art = Artifacts()
    with tempfile.TemporaryDirectory(prefix="images-claims-") as work:
        workers = WORKERS if dump.path.stat().st_size >= PARALLEL_FROM_BYTES else 1
        rows, stats = build_item_images(dump.path, art.path(PARQUET_FILE), work, workers=workers)
    art.rows = rows
    art.stats = {"dump_date": dump.date, **stats.as_dict()}
    yield dg.Output(
        art,
        metadata={"dump_date": dump.date, **source_metadata((dump.path, dump.date))},
    )


@dg.asset_check(asset=item_images, blocking=True, description="One row per item.")
def item_images_unique(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """Suggestions join on the item: a repeated item would repeat its candidates."""
    rows, distinct = (
        store.require("item_images", context.partition_key)
        .scan()
        .select(pl.len(), pl.col("item").n_unique())
        .collect()
        .row(0)
    )
    return dg.AssetCheckResult(
        passed=rows == distinct, metadata={"rows": rows, "duplicates": rows - distinct}
    )
