"""Coverage of a suggestion run, and the offline evaluation the reference never had.

**Coverage** is counted as the reference reported it (retrieve_and_prioritize notebook): per
wiki, articles, unillustrated articles, articles with at least one suggestion, and per source
the articles that get a suggestion from it; plus the raw counts before filters (articles whose
item has a P18, a P373 or another wiki's lead image).

**Offline evaluation**: take the *illustrated* articles that have a Wikidata item, hide their
own pictures, run the same suggestion step as if they were unillustrated, and count how often a
hidden file is among the top three (recall at 3): overall and per source (each source's own top
three, over the articles where that source had a candidate). The headline figure is over the
articles whose item has a P18 or another wiki's lead image, where the heuristic can succeed at
all. P18 values are often taken from the very article being evaluated, and lead images of other
wikis often come from the same photo set, so this measures agreement with editors' choices,
not the quality of a suggestion for an article that truly has no picture.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from wikiforge.images.commons import CommonsListing
from wikiforge.images.files import PICTURE_PATTERN
from wikiforge.images.suggest import (
    SOURCES,
    SuggestionRules,
    Suggestions,
    contains_any,
    lead_pictures,
    suggest_images,
)

DEFAULT_RULES = SuggestionRules()


def coverage(wiki_counts: pl.DataFrame, suggestions: Suggestions) -> list[dict[str, Any]]:
    """Per wiki coverage rows.

    Args:
        wiki_counts: ``wiki``, ``articles``, ``articles_with_item``, ``unillustrated``.
        suggestions: The run over that wiki's unillustrated articles.
    """
    table = suggestions.table
    with_any = (
        table.filter(pl.col("image").is_not_null())
        .group_by("wiki")
        .agg(
            pl.col("page_id").n_unique().alias("with_suggestion"),
            pl.len().alias("suggestions"),
        )
    )
    per_source = (
        table.filter(pl.col("image").is_not_null())
        .group_by("wiki", "source")
        .agg(pl.col("page_id").n_unique().alias("n"))
        .pivot(on="source", index="wiki", values="n")
    )
    excluded = (
        table.filter(~pl.col("is_article_page"))
        .group_by("wiki")
        .agg(pl.col("page_id").n_unique().alias("excluded_by_instance_of"))
    )
    raw = suggestions.raw.group_by("wiki").agg(
        pl.col("has_p18").sum().alias("raw_p18"),
        pl.col("has_commons_category").sum().alias("raw_p373"),
        pl.col("has_other_lead").sum().alias("raw_other_lead"),
    )
    frame = wiki_counts
    for part in (excluded, with_any, per_source, raw):
        frame = frame.join(part, on="wiki", how="left")
    rows = []
    for row in frame.sort("wiki").to_dicts():
        out = {
            key: row.get(key) or 0
            for key in (
                "articles",
                "articles_with_item",
                "unillustrated",
                "excluded_by_instance_of",
                "with_suggestion",
                "suggestions",
            )
        }
        out = {"wiki": row["wiki"], **out}
        for source in SOURCES:
            out[f"from_{source}"] = int(row.get(source) or 0)
        for key in ("raw_p18", "raw_p373", "raw_other_lead"):
            out[key] = int(row.get(key) or 0)
        unill = out["unillustrated"]
        out["with_suggestion_share"] = round(out["with_suggestion"] / unill, 4) if unill else 0.0
        rows.append(out)
    return rows


def coverage_markdown(rows: list[dict[str, Any]]) -> str:
    """The coverage rows as a Markdown table (for the Dagster UI and the README)."""
    head = (
        "| wiki | articles | with item | unillustrated | excluded (P31) | >=1 suggestion | "
        "from P18 / other wikis / Commons | raw P18 / P373 / other-wiki lead |"
    )
    lines = [head, "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['wiki']} | {r['articles']:,} | {r['articles_with_item']:,} | "
            f"{r['unillustrated']:,} | {r['excluded_by_instance_of']:,} | "
            f"{r['with_suggestion']:,} ({r['with_suggestion_share']:.1%}) | "
            f"{r['from_wikidata']} / {r['from_wikipedia']} / {r['from_commons']} | "
            f"{r['raw_p18']} / {r['raw_p373']} / {r['raw_other_lead']} |"
        )
    return "\n".join(lines)


def evaluate_hidden(
    hidden: pl.DataFrame,
    items: pl.LazyFrame,
    leads: pl.DataFrame,
    commons: CommonsListing | None = None,
    rules: SuggestionRules = DEFAULT_RULES,
    category_counts: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Run the suggestion step on illustrated articles with their pictures hidden.

    Args:
        hidden: ``wiki``, ``page_id``, ``page_title``, ``item``, ``image``: each illustrated
            article's own pictures (one row per file).
        items, leads, commons, rules, category_counts: as for ``suggest_images``. An
            article's own wiki's lead images are never candidates (only other wikis' are).

    Returns:
        One row per article (the ``IMAGE_EVALUATION_SCHEMA`` columns).
    """
    targets = (
        hidden.select("wiki", "page_id", "page_title", "item").unique().sort("wiki", "page_id")
    )
    own = hidden.group_by("wiki", "page_id").agg(pl.col("image").unique().sort().alias("hidden"))
    run = suggest_images(targets, items, leads, commons, rules, category_counts, per_source=True)
    suggested = (
        run.table.filter(pl.col("image").is_not_null())
        .sort("wiki", "page_id", "rank")
        .group_by("wiki", "page_id", maintain_order=True)
        .agg(pl.col("image").alias("suggested"))
    )
    frame = (
        targets.join(own, on=["wiki", "page_id"], how="left")
        .join(suggested, on=["wiki", "page_id"], how="left")
        .join(run.raw, on=["wiki", "page_id"], how="left")
        .join(
            run.table.select("wiki", "page_id", "is_article_page").unique(),
            on=["wiki", "page_id"],
            how="left",
        )
        .with_columns(pl.col("suggested").fill_null(pl.lit([], pl.List(pl.String))))
    )
    frame = frame.join(
        _reachable(hidden, items, leads, rules), on=["wiki", "page_id"], how="left"
    ).with_columns(
        (pl.col("suggested").list.set_intersection(pl.col("hidden")).list.len() > 0).alias("hit"),
        pl.col("suggested").list.first().is_in(pl.col("hidden")).fill_null(False).alias("hit_1"),
        pl.col("hidden")
        .list.eval(_passes_filters(pl.element(), rules))
        .list.any()
        .fill_null(False)
        .alias("hidden_suggestible"),
        pl.col("reachable").fill_null(False),
        pl.col("reachable_after_filters").fill_null(False),
    )
    for source in SOURCES:
        picks = (
            run.per_source.filter(pl.col("source") == source)
            .join(
                hidden.select("wiki", "page_id", "image").with_columns(
                    pl.lit(True).alias("is_hidden")
                ),
                on=["wiki", "page_id", "image"],
                how="left",
            )
            .group_by("wiki", "page_id")
            .agg(pl.col("is_hidden").fill_null(False).any().alias(f"hit_{source}"))
        )
        frame = frame.join(picks, on=["wiki", "page_id"], how="left")
    return frame.select(
        "wiki",
        "page_id",
        "page_title",
        "item",
        "hidden",
        "suggested",
        "hit",
        "hit_1",
        "hidden_suggestible",
        "reachable",
        "reachable_after_filters",
        "has_p18",
        "has_other_lead",
        "has_commons_category",
        "hit_wikidata",
        "hit_wikipedia",
        "hit_commons",
        "is_article_page",
    ).sort("wiki", "page_id")


def _passes_filters(name: pl.Expr, rules: SuggestionRules) -> pl.Expr:
    """Whether a file name passes the name and kind filters every source applies."""
    keep = name.str.contains(PICTURE_PATTERN) & ~contains_any(name, rules.name_filters)
    for _, pattern in rules.kind_filters:
        keep = keep & ~name.str.contains(f"(?i){pattern}")
    return keep


def _reachable(
    hidden: pl.DataFrame, items: pl.LazyFrame, leads: pl.DataFrame, rules: SuggestionRules
) -> pl.DataFrame:
    """Per article: is one of its own pictures the item's P18 or among the pictures other
    wikis' articles on the item offer (``reachable``), and does one that does pass the filters.
    """
    p18 = (
        items.join(hidden.select("item").unique().lazy(), on="item", how="semi")
        .select("item", "image")
        .explode("image")
        .drop_nulls("image")
        .collect()
    )
    pictures = lead_pictures(leads.drop_nulls(["item", "image"]), rules.pictures_per_wiki)
    offered = pl.concat(
        [
            hidden.select("wiki", "page_id", "item").unique().join(p18, on="item"),
            hidden.select("wiki", "page_id", "item")
            .unique()
            .join(pictures.rename({"wiki": "lead_wiki"}), on="item")
            .filter(pl.col("lead_wiki") != pl.col("wiki"))
            .select("wiki", "page_id", "item", "image"),
        ]
    )
    return (
        hidden.select("wiki", "page_id", "image")
        .join(offered.select("wiki", "page_id", "image").unique(), on=["wiki", "page_id", "image"])
        .with_columns(_passes_filters(pl.col("image"), rules).alias("passes"))
        .group_by("wiki", "page_id")
        .agg(
            pl.lit(True).alias("reachable"),
            pl.col("passes").any().alias("reachable_after_filters"),
        )
    )


def recall_summary(evaluation: pl.DataFrame) -> dict[str, Any]:
    """Recall at 3 overall, where it can succeed, and per source, with the counts behind each."""

    def share(frame: pl.DataFrame, column: str) -> dict[str, Any]:
        n = frame.height
        hits = int(frame[column].sum()) if n else 0
        out: dict[str, Any] = {
            "articles": n,
            "hits": hits,
            "recall_at_3": round(hits / n, 4) if n else None,
        }
        if column == "hit" and "hit_1" in frame.columns:
            suggested = frame.filter(pl.col("suggested").list.len() > 0).height
            first = int(frame["hit_1"].sum()) if n else 0
            ceiling = int(frame["reachable_after_filters"].sum()) if n else 0
            out.update(
                recall_at_1=round(first / n, 4) if n else None,
                precision_at_1=round(first / suggested, 4) if suggested else None,
                with_suggestion=suggested,
                reachable=int(frame["reachable"].sum()) if n else 0,
                reachable_after_filters=ceiling,
                recall_at_3_of_ceiling=round(hits / ceiling, 4) if ceiling else None,
            )
        return out

    pages = evaluation.filter(pl.col("is_article_page"))
    reachable = pages.filter(pl.col("has_p18") | pl.col("has_other_lead"))
    summary: dict[str, Any] = {
        "evaluated_articles": evaluation.height,
        "excluded_by_instance_of": evaluation.height - pages.height,
        "all": share(pages, "hit"),
        "item_has_p18_or_other_lead": share(reachable, "hit"),
        # Where a hidden file could be suggested at all: a picture passing the name filters
        # (a lead image that is a flag .svg can never come back by design).
        "item_has_p18_or_other_lead_and_hidden_suggestible": share(
            reachable.filter(pl.col("hidden_suggestible")), "hit"
        ),
    }
    for source in SOURCES:
        with_candidates = pages.filter(pl.col(f"hit_{source}").is_not_null())
        summary[f"source_{source}"] = share(with_candidates, f"hit_{source}")
    per_wiki = {}
    for wiki in sorted(set(pages["wiki"].to_list())):
        per_wiki[wiki] = share(reachable.filter(pl.col("wiki") == wiki), "hit")
    summary["per_wiki_item_has_p18_or_other_lead"] = per_wiki
    summary["per_wiki_all"] = {
        wiki: share(pages.filter(pl.col("wiki") == wiki), "hit")
        for wiki in sorted(set(pages["wiki"].to_list()))
    }
    return summary
