"""sitelinks: join key -> entity for every sitelink of a Wikidata dump."""

import tempfile
from collections.abc import Iterator

import dagster as dg

from partitions import wikidata_dump_partitions
from resources.landing import LandingZone
from resources.storage import PARQUET_FILE, Artifacts, source_metadata, table_schema
from wikiforge.qrank.sitelinks import SITELINKS_SCHEMA, build_sitelinks

WORKERS = 2


@dg.asset(
    partitions_def=wikidata_dump_partitions,
    group_name="qrank",
    kinds={"python", "duckdb", "parquet"},
    metadata=table_schema(SITELINKS_SCHEMA),
    output_required=False,
    code_version="1",
)
def sitelinks(
    context: dg.AssetExecutionContext, landing: LandingZone
) -> Iterator[dg.Output[Artifacts]]:
    """Every sitelink of the Wikidata dump as (join key, numeric item id), sorted by key.

    The dump (`.json.bz2` or `.json.gz`) is read in parallel: a bzip2 dump is split at
    compressed block boundaries and each worker process decodes its own part. Sitelinks are
    extracted by a fast path that equals a full JSON parse for any valid layout. A key two
    entities share (titles that fold alike) goes to the smallest id and is counted; entities
    that do not parse are skipped and counted.
    """
    dump = landing.landing.wikidata_dump(context.partition_key)
    if dump is None:
        context.log.info(f"{context.partition_key}: no Wikidata dump in the landing zone")
        return
    art = Artifacts()
    with tempfile.TemporaryDirectory(prefix="qrank-sitelinks-") as work:
        result = build_sitelinks(dump.path, art.path(PARQUET_FILE), work, workers=WORKERS)
    stats = result.stats
    art.rows = result.rows
    art.stats = {
        "entities": stats.entities,
        "items_with_sitelinks": stats.items_with_sitelinks,
        "sitelinks": stats.sitelinks,
        "ambiguous_keys": result.ambiguous_keys,
        "bad_entities": stats.bad_entities,
        "non_items": stats.non_items,
        "unknown_sites": stats.unknown_sites,
        "error_samples": stats.error_samples,
    }
    yield dg.Output(
        art,
        data_version=dg.DataVersion(dump.date),
        metadata={"dump_date": dump.date, **source_metadata((dump.path, dump.date))},
    )
