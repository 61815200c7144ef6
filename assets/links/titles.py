"""pageids and redirects: the wiki's article titles, and redirects resolved to their article."""

import dagster as dg
import pyarrow as pa

from assets.code_version import step_version
from partitions import wiki_partitions
from resources.storage import table_schema
from wikiforge.links.redirects import resolve_redirects
from wikiforge.links.tables import PAGEIDS_SCHEMA, REDIRECTS_SCHEMA
from wikiforge.storage import StoredAsset
from wikiforge.wikis import language_of
from wikiforge.wikitext.titles import normalize_title


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"polars", "parquet"},
    metadata=table_schema(PAGEIDS_SCHEMA),
    code_version=step_version(__name__),
)
def pageids(pages: StoredAsset) -> dg.Output[pa.Table]:
    """Title to page id of every main-namespace article (redirects excluded), sorted by title."""
    import polars as pl

    frame = (
        pages.scan()
        .filter((pl.col("namespace") == 0) & pl.col("redirect").is_null())
        .select("title", "page_id")
        .sort("title")
        .collect()
    )
    return dg.Output(frame.to_arrow(), metadata={"articles": frame.height})


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"python", "parquet"},
    metadata=table_schema(REDIRECTS_SCHEMA),
    code_version=step_version(__name__),
)
def redirects(context: dg.AssetExecutionContext, pages: StoredAsset) -> dg.Output[pa.Table]:
    """Every main-namespace redirect resolved to its final page, following chains (the
    reference follows one hop) with a cycle guard; cycles, over-long chains and invalid targets
    are left out and counted. `target_exists` says whether the dump holds the final page (a
    partial dump keeps redirects to pages it does not hold).
    """
    import polars as pl

    language = language_of(context.partition_key)
    frame = pages.scan().filter(pl.col("namespace") == 0).select("title", "redirect").collect()
    raw: dict[str, str] = {}
    articles: set[str] = set()
    invalid = 0
    for title, target in frame.iter_rows():
        if target is None:
            articles.add(title)
            continue
        normalised = normalize_title(target, language)
        if normalised is None:
            invalid += 1
        else:
            raw[title] = normalised
    resolved, stats = resolve_redirects(raw, articles, allow_missing_final=True)
    titles = sorted(resolved)
    table = pa.table(
        {
            "title": titles,
            "target": [resolved[t] for t in titles],
            "target_exists": [resolved[t] in articles for t in titles],
        },
        schema=REDIRECTS_SCHEMA,
    )
    return dg.Output(
        table,
        metadata={
            "redirects": len(raw),
            "resolved": stats.resolved,
            "multi_hop": stats.multi_hop,
            "cycles": stats.cycles,
            "too_long": stats.too_long,
            "invalid_targets": invalid,
            "to_missing_pages": sum(1 for t in titles if resolved[t] not in articles),
            "cycle_examples": dg.MetadataValue.json(stats.cycle_examples),
        },
    )
