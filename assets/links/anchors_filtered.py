"""anchors_filtered: the anchor dictionary without excluded targets (P31 classes, never-link)."""

import dagster as dg
import pyarrow as pa

from assets.code_version import step_version
from partitions import wiki_partitions
from resources.storage import table_schema
from wikiforge.links.exclusion import excluded_classes, filter_anchors
from wikiforge.links.tables import ANCHORS_SCHEMA, anchors_from_table, anchors_table, group_p31
from wikiforge.storage import StoredAsset


class AnchorsFilterConfig(dg.Config):
    """Per-run settings of the target filter."""

    #: Titles never recommended on this wiki (the communities' most requested feature).
    never_link: list[str] = []
    #: P31 groups to exclude (default: the reference's groups for the wiki; see exclusion.py).
    p31_groups: list[str] | None = None


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"python", "parquet"},
    metadata=table_schema(ANCHORS_SCHEMA),
    code_version=step_version(__name__),
)
def anchors_filtered(
    context: dg.AssetExecutionContext,
    config: AnchorsFilterConfig,
    anchors: StoredAsset,
    wikidata_p31: StoredAsset,
) -> dg.Output[pa.Table]:
    """The anchor dictionary with targets removed when their Wikidata item is an instance of an
    excluded class (the reference's list: disambiguation and list pages, dates, units, given
    names; countries and continents on enwiki) or when the wiki's never-link list names them;
    anchors left without candidates are dropped. Without a Wikidata dump the P31 filter is
    skipped and the metadata says so.
    """
    wiki = context.partition_key
    anchor_map, probability = anchors_from_table(anchors.table())
    dump = _wikidata_dump_date(wikidata_p31)
    p31 = None
    if wikidata_p31.rows or dump is not None:
        p31 = group_p31(
            zip(*wikidata_p31.table(["title", "p31"]).to_pydict().values(), strict=True)
        )
    excluded = excluded_classes(wiki, config.p31_groups)
    kept, stats = filter_anchors(anchor_map, p31, excluded, config.never_link)
    return dg.Output(
        anchors_table(kept, probability),
        metadata={
            **stats.__dict__,
            "p31_filter": "applied" if p31 is not None else "skipped: no Wikidata dump",
            "wikidata_dump": dump,
            "excluded_classes": len(excluded),
            "never_link": len(config.never_link),
        },
    )


def _wikidata_dump_date(stored: StoredAsset) -> str | None:
    """The date of the Wikidata dump a wikidata_p31 version was built from (None: no dump; an
    empty table may still come from a dump that has no sitelinks to this wiki).
    """
    for source in stored.manifest.get("sources") or []:
        if "wikidata" in str(source.get("path", "")):
            return source.get("date") or "unknown"
    return None
