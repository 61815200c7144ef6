"""wikidata_p31: the P31 (instance of) classes of the wiki's articles, from the Wikidata dump."""

from collections.abc import Iterator

import dagster as dg
import pyarrow as pa

from partitions import wiki_partitions
from resources.landing import LandingZone
from resources.storage import source_metadata, table_schema
from wikiforge.links.tables import P31_SCHEMA
from wikiforge.wikidata.entities import EntityParseError, extract_claims, extract_sitelinks
from wikiforge.wikidata.reader import iter_entities


def _p31_rows(path, wiki: str, stats: dict) -> Iterator[tuple[str, str, str]]:
    for line in iter_entities(path):
        try:
            sitelinks = extract_sitelinks(line)
        except EntityParseError:
            stats["skipped_entities"] += 1
            continue
        stats["entities"] += 1
        title = next((t for site, t in sitelinks.sitelinks if site == wiki), None)
        if title is None:
            continue
        stats["sitelinks"] += 1
        try:
            claims = extract_claims(line)
        except EntityParseError:
            stats["skipped_entities"] += 1
            continue
        for qid in claims.instance_of:
            yield title, sitelinks.id, qid


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"python", "parquet"},
    metadata=table_schema(P31_SCHEMA),
    code_version="1",
)
def wikidata_p31(context: dg.AssetExecutionContext, landing: LandingZone) -> dg.Output[pa.Table]:
    """(title, item, P31 class) for every article of the wiki that has a Wikidata sitelink, from
    the newest Wikidata JSON dump in the landing zone (main-snak values, deprecated statements
    left out). Without a dump the table is empty and `wikidata_dump` is None in the metadata:
    the P31 filter of `anchors_filtered` is then skipped."""
    wiki = context.partition_key
    dump = landing.landing.latest_wikidata_dump()
    if dump is None:
        return dg.Output(P31_SCHEMA.empty_table(), metadata={"wikidata_dump": None})
    stats = {"entities": 0, "sitelinks": 0, "skipped_entities": 0}
    rows = sorted(set(_p31_rows(dump.path, wiki, stats)))
    table = pa.table(
        {name: [row[i] for row in rows] for i, name in enumerate(P31_SCHEMA.names)},
        schema=P31_SCHEMA,
    )
    return dg.Output(
        table,
        metadata={"wikidata_dump": dump.date, **stats, **source_metadata((dump.path, dump.date))},
    )
