"""wikidata_p31: the P31 (instance of) classes of the wiki's articles, from the Wikidata dump."""

import functools
import os

import dagster as dg
import pyarrow.parquet as pq

from assets.code_version import step_version
from partitions import wiki_partitions
from resources.engine import Engine
from resources.landing import LandingZone
from resources.storage import PARQUET_FILE, Artifacts, source_metadata, table_schema
from wikiforge.links.mapped import P31_MAP_SCHEMA, P31_SQL, p31_of_tasks
from wikiforge.links.tables import P31_SCHEMA
from wikiforge.mapreduce import merge_stats, task_table
from wikiforge.wikidata.reader import dump_part_tasks

# As the sitelinks step of the qrank line: parts per engine worker, bytes per part, and the
# size below which the dump is read in this process.
PARTS_PER_WORKER = 4
MAX_PART_BYTES = 256 << 20
MIN_PARALLEL_BYTES = 64 << 20


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"python", "spark", "parquet"},
    metadata=table_schema(P31_SCHEMA),
    code_version=step_version(__name__),
)
def wikidata_p31(
    context: dg.AssetExecutionContext, landing: LandingZone, engine: Engine
) -> dg.Output[Artifacts]:
    """(title, item, P31 class) for every article of the wiki that has a Wikidata sitelink, from
    the newest Wikidata JSON dump in the landing zone (main-snak values, deprecated statements
    left out). Without a dump the table is empty and `wikidata_dump` is None in the metadata:
    the P31 filter of `anchors_filtered` is then skipped. The dump is read in parts by a map on
    the engine resource; SQL keeps the distinct rows, sorted, straight to Parquet.
    """
    wiki = context.partition_key
    dump = landing.landing.latest_wikidata_dump()
    out = Artifacts()
    if dump is None:
        out.rows = 0
        pq.write_table(P31_SCHEMA.empty_table(), out.path(PARQUET_FILE))
        return dg.Output(out, metadata={"wikidata_dump": None})
    size = os.path.getsize(dump.path)
    parts = max(engine.workers * PARTS_PER_WORKER, -(-size // MAX_PART_BYTES))
    tasks = task_table(dump_part_tasks(dump.path, parts))
    claims_of = functools.partial(p31_of_tasks, wiki=wiki)
    with engine.stage(
        claims_of, tasks, P31_MAP_SCHEMA, parallel=size >= MIN_PARALLEL_BYTES
    ) as claims:
        out.rows = engine.sql_to_parquet(
            P31_SQL, P31_SCHEMA, out.path(PARQUET_FILE), step="wikidata_p31", claims=claims
        )
        found = merge_stats(engine.stats_of(claims))
    stats = {name: found.get(name, 0) for name in ("entities", "sitelinks", "skipped_entities")}
    return dg.Output(
        out,
        metadata={
            "wikidata_dump": dump.date,
            **stats,
            "engine": engine.kind,
            **source_metadata((dump.path, dump.date)),
        },
    )
