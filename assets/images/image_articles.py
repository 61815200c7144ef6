"""image_articles: a wiki's articles with their Wikidata item and PageImages properties."""

from collections.abc import Iterator

import dagster as dg
import polars as pl

from assets.code_version import step_version
from assets.images.common import (
    AFTER_PAGES,
    COMMONS_WIKI,
    published_pages,
    table_with_stats,
)
from partitions import wiki_partitions
from resources.landing import LandingZone
from resources.storage import DataStore, TableStream, source_metadata, table_schema
from wikiforge.dumps.xml_reader import read_pages
from wikiforge.images.articles import (
    articles_from_page_dump,
    articles_from_page_records,
    articles_from_pages,
    assemble_articles,
    items_from_sitelinks,
    read_page_props,
)
from wikiforge.images.tables import IMAGE_ARTICLES_SCHEMA


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="images",
    kinds={"python", "polars", "parquet"},
    metadata=table_schema(IMAGE_ARTICLES_SCHEMA),
    deps=[
        "wiki_dump",
        dg.AssetDep("sitelinks", partition_mapping=dg.AllPartitionMapping()),
    ],
    output_required=False,
    op_tags=AFTER_PAGES,
    code_version=step_version(__name__),
)
def image_articles(
    context: dg.AssetExecutionContext, landing: LandingZone, store: DataStore
) -> Iterator[dg.Output[TableStream]]:
    """Every ns0, non-redirect article of the wiki with its Wikidata item and its PageImages
    lead image properties (page_image, page_image_free).

    Articles come from the `page` SQL dump when the landing zone has it, else from this dump's
    published `pages` (or the XML itself when `pages` is not published yet). The item comes
    from the `page_props` dump (wikibase_item) or, without one, from the newest published
    Wikidata `sitelinks`; the metadata says which version was used.
    """
    wiki = context.partition_key
    if wiki == COMMONS_WIKI:
        context.log.info("commonswiki is read as the Commons category listing, not as a wiki")
        return
    dump = landing.landing.latest_wiki_dump(wiki)
    if dump is None:
        context.log.info(f"{wiki}: no dump in the landing zone")
        return
    sources = []
    if "page" in dump.sql:
        articles = articles_from_page_dump(dump.sql["page"])
        articles_from = "page SQL dump"
        sources.append(dump.sql["page"])
    elif (pages := published_pages(store, wiki, dump.date)) is not None:
        articles = articles_from_pages(pages.scan())
        articles_from = f"pages {pages.version}"
        sources.extend(dump.pages)
    elif dump.pages:
        articles = pl.concat([articles_from_page_records(read_pages(p)) for p in dump.pages])
        articles_from = "pages-articles XML"
        sources.extend(dump.pages)
    else:
        context.log.info(f"{wiki}: neither a page SQL dump nor pages-articles XML")
        return
    stats: dict = {"dump_date": dump.date, "articles_from": articles_from}
    props = None
    if "page_props" in dump.sql:
        props, props_stats = read_page_props(dump.sql["page_props"])
        sources.append(dump.sql["page_props"])
        stats["page_props"] = {
            "rows": props_stats.rows,
            "wikibase_item": props_stats.wikibase_item,
            "page_image": props_stats.page_image,
            "page_image_free": props_stats.page_image_free,
            "malformed_skipped": props_stats.malformed,
        }
    sitelink_items = None
    if props is not None and props["item"].is_not_null().any():
        stats["items_from"] = "page_props"
    elif (found := store.newest("sitelinks")) is not None:
        date, sitelinks = found
        sitelink_items = items_from_sitelinks(articles, wiki, sitelinks.scan())
        stats["items_from"] = f"sitelinks {date} {sitelinks.version}"
    else:
        stats["items_from"] = "none: no page_props dump and no published sitelinks yet"
        context.log.warning(f"{wiki}: {stats['items_from']}")
    table = assemble_articles(articles, props, sitelink_items)
    stats["articles"] = table.num_rows
    stats["articles_with_item"] = table.num_rows - table.column("item").null_count
    yield dg.Output(
        table_with_stats(table, stats),
        metadata={"dump_date": dump.date, **source_metadata(*((p, dump.date) for p in sources))},
    )


@dg.asset_check(asset=image_articles, blocking=True, description="One row per article.")
def image_articles_unique(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """Page ids are unique and every item id looks like Q<number>."""
    frame = store.require("image_articles", context.partition_key).scan()
    duplicates, bad_items = (
        frame.select(
            (pl.len() - pl.col("page_id").n_unique()).alias("d"),
            (pl.col("item").is_not_null() & ~pl.col("item").str.contains(r"^Q[1-9][0-9]*$"))
            .sum()
            .alias("b"),
        )
        .collect()
        .row(0)
    )
    return dg.AssetCheckResult(
        passed=duplicates == 0 and bad_items == 0,
        metadata={"duplicate_page_ids": duplicates, "malformed_items": bad_items},
    )
