"""links: every wikilink of every article (the line's one heavy step, local or Spark)."""

import functools

import dagster as dg

from assets.code_version import step_version
from partitions import wiki_partitions
from resources.engine import Engine
from resources.storage import PARQUET_FILE, Artifacts, table_schema
from wikiforge.links.stored import namespace_prefixes
from wikiforge.links.tables import (
    FOUND_LINKS_SCHEMA,
    LINKS_RESOLVE_SQL,
    LINKS_SCHEMA,
    found_links_of_batch,
)
from wikiforge.storage import StoredAsset
from wikiforge.wikis import language_of


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"python", "spark", "parquet"},
    metadata=table_schema(LINKS_SCHEMA),
    code_version=step_version(__name__),
)
def links(
    context: dg.AssetExecutionContext,
    engine: Engine,
    pages: StoredAsset,
    pageids: StoredAsset,
    redirects: StoredAsset,
) -> dg.Output:
    """Every wikilink of every main-namespace article: source page, anchor as written (and its
    lower-cased key), target resolved through redirect chains, position (code-point offset of
    `[[`). Links to other namespaces or wikis are left out. The graph line reads this table.

    Runs on the engine resource (a process pool locally, `mapInArrow` on Spark, same rows): a map
    finds the links, a join with `pageids` and `redirects` resolves their targets (so no worker
    holds the wiki's titles), sorted by source page id and position.
    """
    extract = functools.partial(
        found_links_of_batch,
        language_code=language_of(context.partition_key),
        prefixes=namespace_prefixes(pages),
    )
    out = Artifacts()
    with engine.stage(
        extract,
        pages,
        FOUND_LINKS_SCHEMA,
        batch_size=200,
        columns=["page_id", "namespace", "title", "redirect", "text"],
    ) as found:
        out.rows = engine.sql_to_parquet(
            LINKS_RESOLVE_SQL,
            LINKS_SCHEMA,
            out.path(PARQUET_FILE),
            step="links",
            found=found,
            pageids=pageids,
            redirects=redirects,
        )
    return dg.Output(out, metadata={"engine": engine.kind})
