"""links: every wikilink of every article (the line's one heavy step, local or Spark)."""

import functools

import dagster as dg

from partitions import wiki_partitions
from resources.engine import Engine
from resources.storage import Artifacts, TableStream, table_schema
from wikiforge.links.build import language_of
from wikiforge.links.stored import namespace_prefixes
from wikiforge.links.tables import LINKS_SCHEMA, links_of_batch, pairs
from wikiforge.storage import StoredAsset


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"python", "spark", "parquet"},
    metadata=table_schema(LINKS_SCHEMA),
    code_version="1",
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

    Runs on the engine resource: a process pool locally, `mapInArrow` on Spark, same rows.
    """
    wiki = context.partition_key
    articles = frozenset(pageids.table(["title"]).column("title").to_pylist())
    extract = functools.partial(
        links_of_batch,
        language_code=language_of(wiki),
        prefixes=namespace_prefixes(pages),
        redirects=pairs(redirects.table(["title", "target"]), "title", "target"),
        articles=articles,
    )
    out = engine.map_batches(
        extract, pages, LINKS_SCHEMA, columns=["page_id", "namespace", "title", "redirect", "text"],
        batch_size=200,
    )
    return dg.Output(out, metadata={"engine": engine.kind})
