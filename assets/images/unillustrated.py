"""unillustrated: a wiki's articles with a Wikidata item and no picture of their own."""

import dagster as dg
import polars as pl

from assets.code_version import step_version
from assets.images.common import table_with_stats
from partitions import wiki_partitions
from resources.storage import DataStore, TableStream, table_schema
from wikiforge.images.lead import illustrated_files
from wikiforge.images.lead import unillustrated as find_unillustrated
from wikiforge.images.tables import UNILLUSTRATED_SCHEMA
from wikiforge.storage import StoredAsset


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="images",
    kinds={"python", "polars", "parquet"},
    metadata=table_schema(UNILLUSTRATED_SCHEMA),
    code_version=step_version(__name__),
)
def unillustrated(
    image_articles: StoredAsset, image_links: StoredAsset, icon_images: StoredAsset
) -> dg.Output[TableStream]:
    """The ns0, non-redirect articles that have a Wikidata item but neither a PageImages
    property nor a non-icon picture: the articles image suggestions are for.
    """
    articles, links, icons = image_articles.scan(), image_links.scan(), icon_images.scan()
    table = find_unillustrated(articles, links, icons)
    illustrated = (
        illustrated_files(articles, links, icons)
        .select(pl.col("page_id").n_unique())
        .collect()
        .item()
    )
    article_stats = image_articles.manifest.get("stats", {})
    stats = {
        "articles": article_stats.get("articles", image_articles.rows),
        "articles_with_item": article_stats.get("articles_with_item"),
        "illustrated": illustrated,
        "unillustrated": table.num_rows,
        "dump_date": article_stats.get("dump_date"),
    }
    return dg.Output(table_with_stats(table, stats))


@dg.asset_check(
    asset=unillustrated,
    blocking=True,
    description="No unillustrated article has a picture of its own.",
)
def unillustrated_has_no_picture(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """Recompute, independently of the asset's code path, that the listed articles use no
    non-icon picture and have no PageImages property.
    """
    from wikiforge.images.files import PICTURE_PATTERN

    key = context.partition_key
    listed = store.require("unillustrated", key).scan()
    icons = store.require("icon_images", key).scan().select("image")
    pictures = (
        store.require("image_links", key)
        .scan()
        .filter(pl.col("image").str.contains(PICTURE_PATTERN))
        .join(icons, on="image", how="anti")
        .select("page_id")
    )
    props = (
        store.require("image_articles", key)
        .scan()
        .filter(pl.col("page_image").is_not_null() | pl.col("page_image_free").is_not_null())
        .select("page_id")
    )
    with_picture = listed.join(pl.concat([pictures, props]).unique(), on="page_id", how="semi")
    wrong = with_picture.select(pl.len()).collect().item()
    return dg.AssetCheckResult(passed=wrong == 0, metadata={"listed_with_a_picture": wrong})
