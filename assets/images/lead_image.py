"""lead_image: the lead image of each article of a wiki."""

import dagster as dg
import polars as pl

from assets.code_version import step_version
from assets.images.common import table_with_stats
from partitions import wiki_partitions
from resources.storage import DataStore, TableStream, table_schema
from wikiforge.images.lead import lead_images
from wikiforge.images.tables import LEAD_IMAGE_SCHEMA
from wikiforge.storage import StoredAsset


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="images",
    kinds={"python", "polars", "parquet"},
    metadata=table_schema(LEAD_IMAGE_SCHEMA),
    code_version=step_version(__name__),
)
def lead_image(
    image_articles: StoredAsset, image_links: StoredAsset, icon_images: StoredAsset
) -> dg.Output[TableStream]:
    """The lead image of each article that has one: the PageImages property (page_image_free,
    else page_image) where the dumps have page_props, otherwise the first non-icon picture the
    article uses. Other wikis' image suggestions read these.
    """
    table = lead_images(image_articles.scan(), image_links.scan(), icon_images.scan())
    by_source = (
        dict(pl.from_arrow(table).group_by("source").len().sort("source").iter_rows())
        if table.num_rows
        else {}
    )
    stats = {
        "articles": image_articles.rows,
        "with_lead_image": table.num_rows,
        "by_source": by_source,
        "dump_date": image_articles.manifest.get("stats", {}).get("dump_date"),
    }
    return dg.Output(table_with_stats(table, stats))


@dg.asset_check(asset=lead_image, blocking=True, description="At most one lead image per article.")
def lead_image_one_per_article(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """Suggestions count wikis per file: two lead images for one article would count twice."""
    rows, distinct = (
        store.require("lead_image", context.partition_key)
        .scan()
        .select(pl.len(), pl.col("page_id").n_unique())
        .collect()
        .row(0)
    )
    return dg.AssetCheckResult(
        passed=rows == distinct, metadata={"rows": rows, "duplicates": rows - distinct}
    )
