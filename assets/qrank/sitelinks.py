"""sitelinks: join key -> entity for every sitelink of a Wikidata dump."""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
    SitelinkStats,
    sitelinks_of_tasks,
)
from wikiforge.wikidata.reader import dump_part_tasks

# Below this size a dump is read in this process (the local engine); its parts are still split.
MIN_PARALLEL_BYTES = 64 << 20
# Parts per engine worker (uneven parts still balance), and at most this many bytes per part.
PARTS_PER_WORKER = 4
MAX_PART_BYTES = 256 << 20
AMBIGUOUS_SCHEMA = pa.schema([("keys", pa.int64()), ("ambiguous", pa.int64())])


@dataclass(frozen=True)
class SitelinksResult:
    """What building a dump's sitelinks table wrote: its rows (one per key), the keys two
    entities share, and the reading's counts.
    """

    rows: int
    ambiguous_keys: int
    stats: SitelinkStats


def write_sitelinks(
    engine: Engine, dump_path: str | os.PathLike, out_path: Path
) -> SitelinksResult:
    """The sitelinks step on an engine: every sitelink of a Wikidata dump as ``(key, qid)``,
    one row per key (the smallest entity id), sorted by key, written to ``out_path``.

    Args:
        engine: The engine resource (``local_engine()`` outside Dagster).
        dump_path: ``.json.bz2`` (split into parts at block boundaries), ``.json.gz`` or
            ``.json``.
        out_path: The Parquet file to write (appears only when complete).

    Raises:
        InputError: if the dump cannot be decompressed.
    """
    size = os.path.getsize(dump_path)
    parts = max(engine.workers * PARTS_PER_WORKER, -(-size // MAX_PART_BYTES))
    tasks = task_table(dump_part_tasks(dump_path, parts))
    with engine.stage(
        sitelinks_of_tasks, tasks, SITELINKS_MAP_SCHEMA, parallel=size >= MIN_PARALLEL_BYTES
    ) as rows:
        written = engine.sql_to_parquet(
            SITELINKS_SQL, SITELINKS_SCHEMA, out_path, step="sitelinks", sitelink_rows=rows
        )
        ambiguous = engine.sql_table(
            AMBIGUOUS_SQL, AMBIGUOUS_SCHEMA, sitelink_rows=rows, step="sitelinks"
        )
        stats = SitelinkStats.sum_of_rows(engine.stats_of(rows))
    return SitelinksResult(
        rows=written, ambiguous_keys=int(ambiguous.column("ambiguous")[0].as_py()), stats=stats
    )


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
    result = write_sitelinks(engine, dump.path, art.path(PARQUET_FILE))
    art.rows = result.rows
    art.stats = {
        "entities": result.stats.entities,
        "items_with_sitelinks": result.stats.items_with_sitelinks,
        "sitelinks": result.stats.sitelinks,
        "ambiguous_keys": result.ambiguous_keys,
        "bad_entities": result.stats.bad_entities,
        "non_items": result.stats.non_items,
        "unknown_sites": result.stats.unknown_sites,
        "error_samples": result.stats.error_samples,
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
