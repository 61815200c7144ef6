"""icon_images: files used on so many articles of a wiki that they are icons, not pictures."""

import dagster as dg

from assets.code_version import step_version
from assets.images.common import table_with_stats
from partitions import wiki_partitions
from resources.storage import TableStream, table_schema
from wikiforge.images.lead import icon_images as find_icons
from wikiforge.images.lead import icon_threshold
from wikiforge.images.tables import ICON_IMAGES_SCHEMA
from wikiforge.storage import StoredAsset


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="images",
    kinds={"python", "polars", "parquet"},
    metadata=table_schema(ICON_IMAGES_SCHEMA),
    code_version=step_version(__name__),
)
def icon_images(image_articles: StoredAsset, image_links: StoredAsset) -> dg.Output[TableStream]:
    """Files used on more ns0 articles than the reference's wiki-size threshold (15 for a
    50,000-article wiki, growing with log10 of the size above that, never below 3.75): flags,
    logos and stub pictures, which illustrate nothing in particular.
    """
    articles = image_articles.rows or 0
    table = find_icons(image_links.scan(), articles)
    threshold = icon_threshold(articles)
    stats = {
        "articles": articles,
        "threshold": round(threshold, 3),
        "icons": table.num_rows,
        "dump_date": image_articles.manifest.get("stats", {}).get("dump_date"),
    }
    top = table.slice(0, 10).to_pylist()
    return dg.Output(
        table_with_stats(table, stats), metadata={"top_icons": dg.MetadataValue.json(top)}
    )
