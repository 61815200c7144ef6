"""sitelinks: join key -> entity for every sitelink of a Wikidata dump."""

import os
from collections.abc import Iterator

import dagster as dg
import pyarrow as pa

from assets.code_version import step_version
from partitions import wikidata_dump_partitions
from resources.engine import Engine
from resources.landing import LandingZone
from resources.storage import PARQUET_FILE, Artifacts, source_metadata, table_schema
from wikiforge.mapreduce import task_table
from wikiforge.qrank.sitelinks import (
    AMBIGUOUS_SQL,
    SITELINKS_MAP_SCHEMA,
    SITELINKS_SCHEMA,
    SITELINKS_SQL,
    sitelink_stats,
    sitelinks_of_tasks,
)
from wikiforge.wikidata.reader import dump_part_tasks

# Below this size a dump is read in this process (the local engine); its parts are still split.
MIN_PARALLEL_BYTES = 64 << 20
# Parts per engine worker (uneven parts still balance), and at most this many bytes per part.
PARTS_PER_WORKER = 4
MAX_PART_BYTES = 256 << 20
AMBIGUOUS_SCHEMA = pa.schema([("keys", pa.int64()), ("ambiguous", pa.int64())])


@dg.asset(
    partitions_def=wikidata_dump_partitions,
    group_name="qrank",
    deps=["wikidata_dump"],
    kinds={"python", "duckdb", "spark", "parquet"},
    metadata=table_schema(SITELINKS_SCHEMA),
    output_required=False,
    code_version=step_version(__name__),
)
def sitelinks(
    context: dg.AssetExecutionContext, landing: LandingZone, engine: Engine
) -> Iterator[dg.Output[Artifacts]]:
    """Every sitelink of the Wikidata dump as (join key, numeric item id), sorted by key.

    The dump (`.json.bz2` or `.json.gz`) is read on the engine resource: a bzip2 dump is split
    at compressed block boundaries and each part is one map task (a worker process locally, a
    Python worker on Spark) that decodes it; SQL keeps one entity per key. Sitelinks are
    extracted by a fast path that equals a full JSON parse for any valid layout. A key two
    entities share (titles that fold alike) goes to the smallest id and is counted; entities
    that do not parse are skipped and counted.
    """
    dump = landing.landing.wikidata_dump(context.partition_key)
    if dump is None:
        context.log.info(f"{context.partition_key}: no Wikidata dump in the landing zone")
        return
    art = Artifacts()
    size = os.path.getsize(dump.path)
    parts = max(engine.workers * PARTS_PER_WORKER, -(-size // MAX_PART_BYTES))
    tasks = task_table(dump_part_tasks(dump.path, parts))
    with engine.stage(
        sitelinks_of_tasks, tasks, SITELINKS_MAP_SCHEMA, parallel=size >= MIN_PARALLEL_BYTES
    ) as rows:
        written = engine.sql_to_parquet(
            SITELINKS_SQL,
            SITELINKS_SCHEMA,
            art.path(PARQUET_FILE),
            step="sitelinks",
            sitelink_rows=rows,
        )
        ambiguous = engine.sql_table(
            AMBIGUOUS_SQL, AMBIGUOUS_SCHEMA, sitelink_rows=rows, step="sitelinks"
        )
        stats = sitelink_stats(engine.stats_of(rows))
    art.rows = written
    art.stats = {
        "entities": stats.entities,
        "items_with_sitelinks": stats.items_with_sitelinks,
        "sitelinks": stats.sitelinks,
        "ambiguous_keys": ambiguous.column("ambiguous")[0].as_py(),
        "bad_entities": stats.bad_entities,
        "non_items": stats.non_items,
        "unknown_sites": stats.unknown_sites,
        "error_samples": stats.error_samples,
    }
    yield dg.Output(
        art,
        data_version=dg.DataVersion(dump.date),
        metadata={
            "dump_date": dump.date,
            "engine": engine.kind,
            **source_metadata((dump.path, dump.date)),
        },
    )
