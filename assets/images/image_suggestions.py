"""image_suggestions: up to three pictures for every unillustrated article of every wiki."""

import json
from collections.abc import Iterator

import dagster as dg
import polars as pl

from assets.code_version import step_version
from assets.images.common import (
    COMMONS_WIKI,
    article_states,
    commons_listing,
    newest_items,
    table_with_stats,
    wiki_frame,
    wiki_stats,
)
from resources.landing import LandingZone
from resources.storage import DataStore, TableStream, table_schema
from wikiforge.images.evaluate import coverage, coverage_markdown
from wikiforge.images.suggest import category_item_counts, suggest_images
from wikiforge.images.tables import IMAGE_SUGGESTIONS_SCHEMA

UPSTREAM = ("image_articles", "lead_image", "unillustrated", "item_images")


def build_suggestions(context, landing: LandingZone, store: DataStore):
    """Everything both cross-wiki assets read: targets, leads, claims, Commons listing."""
    targets, unillustrated_versions = wiki_frame(
        store, "unillustrated", ["page_id", "page_title", "item"]
    )
    leads, lead_versions = wiki_frame(store, "lead_image", ["item", "image", "candidates"])
    if leads is None:
        leads = pl.DataFrame(schema={"wiki": pl.String, "item": pl.String, "image": pl.String})
    leads = leads.filter(pl.col("wiki") != COMMONS_WIKI).drop_nulls("item")
    items, items_date, items_used = newest_items(store)
    category_counts = category_item_counts(items).collect()
    return (
        targets,
        unillustrated_versions,
        leads,
        lead_versions,
        items,
        items_date,
        items_used,
        category_counts,
    )


@dg.asset(
    group_name="images",
    kinds={"python", "polars", "parquet"},
    metadata=table_schema(IMAGE_SUGGESTIONS_SCHEMA),
    deps=[dg.AssetDep(name, partition_mapping=dg.AllPartitionMapping()) for name in UPSTREAM],
    output_required=False,
    code_version=step_version(__name__),
)
def image_suggestions(
    context: dg.AssetExecutionContext, landing: LandingZone, store: DataStore
) -> Iterator[dg.Output[TableStream]]:
    """Up to three image suggestions for every unillustrated article of every wiki: the item's
    P18 (high), the same item's lead images on the other wikis ranked by how many use them
    (medium), files of its P373 Commons category when a Commons listing is in the landing zone
    (low); the reference's filters and refinements, deterministic ranking, a 0-1 score.

    One asset over all wikis, run after them: a wiki's suggestions need every other wiki's lead
    images, which a per-wiki run might not see yet. The metadata records the version of every
    input used and the coverage per wiki (articles, unillustrated, with a suggestion, per
    source, raw counts before filters), as the reference reported it.
    """
    (
        targets,
        unillustrated_versions,
        leads,
        lead_versions,
        items,
        items_date,
        items_used,
        category_counts,
    ) = build_suggestions(context, landing, store)
    if targets is None:
        context.log.info("no wiki has published unillustrated articles yet: nothing to suggest")
        return
    targets = targets.filter(pl.col("wiki") != COMMONS_WIKI)
    commons, commons_used = commons_listing(landing, targets, items, leads, context.log)
    run = suggest_images(targets, items, leads, commons, category_counts=category_counts)
    per_wiki = wiki_stats(store, "unillustrated")
    dump_dates = pl.DataFrame(
        {
            "wiki": list(per_wiki),
            "dump_date": [s.get("dump_date") or "" for s in per_wiki.values()],
        },
        schema={"wiki": pl.String, "dump_date": pl.String},
    )
    # Every other article keeps one row with its state, so that the API answers for it.
    states = article_states(store)
    others = states.join(
        run.table.select("wiki", "page_id").unique(), on=["wiki", "page_id"], how="anti"
    )
    table = (
        pl.concat(
            [
                run.table.with_columns(pl.lit("unillustrated").alias("state")),
                others,
            ],
            how="diagonal_relaxed",
        )
        .join(dump_dates, on="wiki", how="left")
        .with_columns(
            pl.col("dump_date").fill_null(""),
            pl.lit(items_date, pl.String).alias("wikidata_dump_date"),
        )
        .sort(["wiki", "page_id", "rank"], nulls_last=True)
        .select(IMAGE_SUGGESTIONS_SCHEMA.names)
    )
    counts = pl.DataFrame(
        [
            {
                "wiki": wiki,
                "articles": s.get("articles") or 0,
                "articles_with_item": s.get("articles_with_item") or 0,
                "unillustrated": s.get("unillustrated") or 0,
            }
            for wiki, s in per_wiki.items()
            if wiki != COMMONS_WIKI
        ],
        schema={
            "wiki": pl.String,
            "articles": pl.Int64,
            "articles_with_item": pl.Int64,
            "unillustrated": pl.Int64,
        },
    )
    rows = coverage(counts, run)
    context.log.info("coverage:\n" + coverage_markdown(rows))
    # Kept in the stored manifest too (the CLI and any reader see what the UI sees).
    stats = {
        "coverage_rows": rows,
        "articles_with_suggestion": sum(r["with_suggestion"] for r in rows),
        "suggestions": table.filter(pl.col("image").is_not_null()).height,
        "articles_by_state": dict(
            table.group_by("state").agg(pl.col("page_id").n_unique()).sort("state").iter_rows()
        ),
        "filtered_out": run.stats,
        "wikidata": items_used,
        "commons_listing": commons_used,
        "input_versions": {"unillustrated": unillustrated_versions, "lead_image": lead_versions},
    }
    yield dg.Output(
        table_with_stats(table.to_arrow().cast(IMAGE_SUGGESTIONS_SCHEMA), stats),
        metadata={
            "coverage": dg.MetadataValue.md(coverage_markdown(rows)),
            "filtered_out": dg.MetadataValue.json(run.stats),
            "wikis": dg.MetadataValue.json(sorted(unillustrated_versions)),
            "example": dg.MetadataValue.md(
                "```\n"
                + json.dumps(
                    table.filter(pl.col("image").is_not_null()).head(3).to_dicts(),
                    ensure_ascii=False,
                    indent=1,
                    default=str,
                )
                + "\n```"
            ),
        },
    )


@dg.asset_check(
    asset=image_suggestions,
    blocking=True,
    description="At most three distinct files per article, ranked 1..n, scores in "
    "their confidence band.",
)
def image_suggestions_well_formed(store: DataStore) -> dg.AssetCheckResult:
    """The API promises these; a violation means the ranking code broke."""
    frame = store.require("image_suggestions").scan()
    suggested = frame.filter(pl.col("image").is_not_null())
    per_article = suggested.group_by("wiki", "page_id").agg(
        pl.len().alias("n"),
        pl.col("image").n_unique().alias("distinct"),
        pl.col("rank").max().alias("max_rank"),
        pl.col("rank").min().alias("min_rank"),
    )
    too_many, repeated, gaps = (
        per_article.select(
            (pl.col("n") > 3).sum().alias("too_many"),
            (pl.col("n") != pl.col("distinct")).sum().alias("repeated"),
            ((pl.col("max_rank") != pl.col("n")) | (pl.col("min_rank") != 1)).sum().alias("gaps"),
        )
        .collect()
        .row(0)
    )
    bands = {"high": (0.85, 1.0), "medium": (0.5, 0.8), "low": (0.1, 0.4)}
    outside = (
        suggested.filter(
            pl.any_horizontal(
                (pl.col("confidence") == name) & ~pl.col("score").is_between(low, high)
                for name, (low, high) in bands.items()
            )
            | pl.col("confidence").is_null()
        )
        .select(pl.len())
        .collect()
        .item()
    )
    passed = too_many == 0 and repeated == 0 and gaps == 0 and outside == 0
    return dg.AssetCheckResult(
        passed=passed,
        metadata={
            "articles_over_3": too_many,
            "articles_with_repeats": repeated,
            "rank_gaps": gaps,
            "scores_outside_band": outside,
        },
    )
