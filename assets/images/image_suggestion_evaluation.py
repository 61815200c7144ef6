"""image_suggestion_evaluation: recall at 3 of the suggestions on articles whose pictures are
hidden (an offline evaluation the reference never had).
"""

from collections.abc import Iterator

import dagster as dg
import polars as pl
import pyarrow as pa

from assets.code_version import step_version
from assets.images.common import COMMONS_WIKI, commons_listing
from assets.images.image_suggestions import build_suggestions
from resources.landing import LandingZone
from resources.storage import DataStore, table_schema
from wikiforge.images.evaluate import evaluate_hidden, recall_summary
from wikiforge.images.lead import illustrated_files
from wikiforge.images.tables import IMAGE_EVALUATION_SCHEMA

UPSTREAM = ("image_articles", "image_links", "icon_images", "lead_image", "item_images")


def _hidden_files(store: DataStore) -> tuple[pl.DataFrame | None, dict[str, str]]:
    """Each illustrated article with an item, one row per own picture, for every wiki."""
    frames, versions = [], {}
    for wiki in store.partitions("image_articles"):
        if wiki == COMMONS_WIKI:
            continue
        parts = [
            store.current(name, wiki) for name in ("image_articles", "image_links", "icon_images")
        ]
        if any(part is None for part in parts):
            continue
        articles, links, icons = parts
        versions[wiki] = articles.version
        files = illustrated_files(articles.scan(), links.scan(), icons.scan())
        frames.append(
            files.join(
                articles.scan()
                .filter(pl.col("item").is_not_null())
                .select("page_id", "page_title", "item"),
                on="page_id",
                how="inner",
            )
            .select(pl.lit(wiki).alias("wiki"), "page_id", "page_title", "item", "image")
            .collect()
        )
    return (pl.concat(frames) if frames else None), versions


@dg.asset(
    group_name="images",
    kinds={"python", "polars", "parquet"},
    metadata=table_schema(IMAGE_EVALUATION_SCHEMA),
    deps=[dg.AssetDep(name, partition_mapping=dg.AllPartitionMapping()) for name in UPSTREAM],
    output_required=False,
    code_version=step_version(__name__),
)
def image_suggestion_evaluation(
    context: dg.AssetExecutionContext, landing: LandingZone, store: DataStore
) -> Iterator[dg.Output[pa.Table]]:
    """Offline evaluation of the suggestions: the illustrated articles that have a Wikidata
    item get their own pictures hidden and go through the same suggestion step as if they were
    unillustrated (their own wiki's lead images never count); a hit is a hidden file among the
    top three (or first). Recall at 1 and 3, precision at 1, the reachable ceiling (a hidden
    file is the P18 or among other wikis' pictures of the item, before and after the filters)
    are reported overall, per wiki and per source, with the number of articles behind each.
    """
    hidden, versions = _hidden_files(store)
    if hidden is None or hidden.height == 0:
        context.log.info("no illustrated article with a Wikidata item published yet")
        return
    (_, _, leads, lead_versions, items, _, items_used, category_counts) = build_suggestions(
        context, landing, store
    )
    commons, commons_used = commons_listing(landing, hidden, items, leads, context.log)
    frame = evaluate_hidden(hidden, items, leads, commons, category_counts=category_counts)
    summary = recall_summary(frame)
    headline = summary["item_has_p18_or_other_lead"]
    every = summary["all"]
    yield dg.Output(
        frame.to_arrow().cast(IMAGE_EVALUATION_SCHEMA),
        metadata={
            "recall_at_1": every["recall_at_1"],
            "recall_at_3": every["recall_at_3"],
            "precision_at_1": every["precision_at_1"],
            "reachable_after_filters": every["reachable_after_filters"],
            "recall_at_3_of_ceiling": every["recall_at_3_of_ceiling"],
            "per_wiki": dg.MetadataValue.json(summary["per_wiki_all"]),
            "recall_at_3_where_p18_or_other_lead": headline["recall_at_3"],
            "articles_behind_headline": headline["articles"],
            "summary": dg.MetadataValue.json(summary),
            "wikidata": items_used,
            "commons_listing": commons_used,
            "input_versions": dg.MetadataValue.json(
                {"image_articles": versions, "lead_image": lead_versions}
            ),
        },
    )
