"""image_links: the files each article of a wiki uses."""

import functools
from collections.abc import Iterator

import dagster as dg
import pyarrow as pa

from assets.code_version import step_version
from assets.images.common import AFTER_PAGES, COMMONS_WIKI, published_pages, table_with_stats
from partitions import wiki_partitions
from resources.engine import Engine
from resources.landing import LandingZone
from resources.storage import Artifacts, DataStore, TableStream, source_metadata, table_schema
from wikiforge.dumps.xml_reader import read_pages
from wikiforge.images.articles import articles_from_page_dump
from wikiforge.images.files import file_prefixes
from wikiforge.images.links import file_uses_batch, file_uses_from_records, read_imagelinks
from wikiforge.images.tables import IMAGE_LINKS_SCHEMA
from wikiforge.wikis import language_of

PAGE_COLUMNS = ["page_id", "namespace", "title", "redirect", "text"]


def _xml_uses(paths: list, wiki: str, stats: dict) -> Iterator[pa.Table]:
    """File uses straight from the XML parts (when `pages` is not published for this dump)."""
    for path in paths:
        reader = read_pages(path)
        prefixes = file_prefixes(reader.siteinfo.namespaces, language_of(wiki))
        stats["prefixes"] = prefixes
        yield from file_uses_from_records(reader, prefixes)


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="images",
    deps=["wiki_dump"],
    kinds={"python", "polars", "parquet"},
    metadata=table_schema(IMAGE_LINKS_SCHEMA),
    output_required=False,
    op_tags=AFTER_PAGES,
    code_version=step_version(__name__),
)
def image_links(
    context: dg.AssetExecutionContext, landing: LandingZone, store: DataStore, engine: Engine
) -> Iterator[dg.Output[TableStream | Artifacts]]:
    """The files each ns0, non-redirect article uses: one row per article and distinct file,
    in the database form of the name, with the order of first use.

    Read from the `imagelinks` SQL dump when the landing zone has it (with `page`, and
    `linktarget` for the current schema); otherwise from the wikitext of this dump's `pages`
    (on the engine: process pool or Spark) or of the XML itself: `[[File:...]]` under the
    wiki's own namespace names (from siteinfo) and aliases, gallery and imagemap tags, and
    template parameters naming a picture (infobox images). A wiki with neither (SQL dumps
    without imagelinks) gets an empty table, so its lead images and unillustrated articles
    still come from page_props.
    """
    wiki = context.partition_key
    if wiki == COMMONS_WIKI:
        context.log.info("commonswiki is read as the Commons category listing, not as a wiki")
        return
    dump = landing.landing.latest_wiki_dump(wiki)
    if dump is None:
        context.log.info(f"{wiki}: no dump in the landing zone")
        return
    meta = {"dump_date": dump.date}
    if "imagelinks" in dump.sql and "page" in dump.sql:
        articles = articles_from_page_dump(dump.sql["page"])
        table, read = read_imagelinks(dump.sql["imagelinks"], articles, dump.sql.get("linktarget"))
        stats = {"built_from": f"imagelinks SQL dump ({read.schema})", **vars(read)}
        files = [dump.sql[t] for t in ("imagelinks", "page", "linktarget") if t in dump.sql]
        yield dg.Output(
            table_with_stats(table, stats),
            metadata={**meta, **source_metadata(*((p, dump.date) for p in files))},
        )
        return
    pages = published_pages(store, wiki, dump.date)
    if pages is not None:
        namespaces = pages.manifest.get("stats", {}).get("namespaces", {})
        prefixes = file_prefixes(namespaces, language_of(wiki))
        output = engine.map_batches(
            functools.partial(file_uses_batch, prefixes=tuple(prefixes)),
            pages,
            IMAGE_LINKS_SCHEMA,
            columns=PAGE_COLUMNS,
            batch_size=500,
        )
        output.stats.update(built_from=f"pages {pages.version} wikitext", prefixes=prefixes)
        files = list(dump.pages)
    elif dump.pages:
        stats: dict = {"built_from": "pages-articles XML wikitext"}
        output = TableStream(IMAGE_LINKS_SCHEMA, _xml_uses(list(dump.pages), wiki, stats), stats)
        files = list(dump.pages)
    else:
        output = table_with_stats(
            IMAGE_LINKS_SCHEMA.empty_table(),
            {"built_from": "none: the landing zone has neither imagelinks nor wikitext"},
        )
        files = []
    yield dg.Output(output, metadata={**meta, **source_metadata(*((p, dump.date) for p in files))})


@dg.asset_check(
    asset=image_links,
    blocking=True,
    description="One row per article and file; names in database form.",
)
def image_links_distinct(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """Downstream counts (icons: articles per file) assume each (article, file) pair once."""
    import polars as pl

    frame = store.require("image_links", context.partition_key).scan()
    rows, distinct, spaced = (
        frame.select(
            pl.len(),
            pl.struct("page_id", "image").n_unique(),
            pl.col("image").str.contains(" ").sum(),
        )
        .collect()
        .row(0)
    )
    return dg.AssetCheckResult(
        passed=rows == distinct and spaced == 0,
        metadata={"rows": rows, "duplicates": rows - distinct, "names_with_spaces": spaced},
    )
