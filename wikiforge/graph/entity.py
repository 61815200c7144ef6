"""Page scores carried to Wikidata entities, and QRank's "signal smearing" along links.

**entity_pagerank: how several wikis combine.** Each wiki's PageRank is a probability
distribution over that wiki's articles (it sums to 1), so a score already says "share of this
wiki's attention". An entity's score is the weighted mean of those shares over the wikis taken
into account:

    entity_score(q) = sum_w weight_w * pagerank_w(page of q in w) / sum_w weight_w

with every wiki weighing the same by default (one wiki, one vote: a 600-article wiki says as
much about what matters in its language as a 6-million-article one). A wiki without a page for
q contributes 0, so entities covered by many wikis rank higher, as in QRank, where views are
summed over all wikis. Several pages of one wiki linked to the same entity (possible through
`page_props`, not through Wikidata sitelinks) add up. The scores of all entities sum to at most 1
(pages without an entity keep their share). Ranks: score descending, ties by numeric entity id.

**Signal smearing (option for the qrank line).** QRank's design lists "signal smearing" as future
work: an entity's views should partly reflect the attention paid to what links to it. Rule, one
step along the entity link graph (article links of all wikis mapped to entities, deduplicated,
self-links dropped):

    smeared(q) = (1 - s) * views(q) + sum over p -> q of s * views(p) / outdeg(p)

Each entity keeps (1 - s) of its views and passes the share s in equal parts to the distinct
entities it links to; an entity that links nowhere keeps everything. The total number of views
is unchanged, no entity goes negative, and s = 0 gives back the plain views. Only one step is
taken (not a fixed point), so the views of a page travel one link: a stub that the most read
articles link to gains, a popular page that links to many things loses a little.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from os import PathLike

import numpy as np
import polars as pl

from wikiforge.dumps.sql_reader import SqlDump

#: Default share of an entity's views passed along its links.
DEFAULT_SMEARING_SHARE = 0.1

_ENTITY_ID = re.compile(r"Q[1-9][0-9]*")


def _entity_number(expr: pl.Expr) -> pl.Expr:
    """Numeric part of an entity id (Q42 -> 42) for stable tie-breaking."""
    return expr.str.slice(1).cast(pl.Int64, strict=False)


def _ordered_sum(values: pl.Expr) -> pl.Expr:
    """A group's float sum added in one fixed order (ascending values, one after the other).

    Rows reach a group in an order that depends on threads and inputs, and a plain ``sum`` of
    the same numbers in another order can differ in the last bits, which changes the file
    (found by bench/determinism_check.py). A running sum over the sorted values cannot.
    """
    return values.sort().cum_sum().last()


def entity_pagerank(
    page_scores: pl.LazyFrame | pl.DataFrame,
    sitelinks: pl.LazyFrame | pl.DataFrame,
    *,
    wiki_weights: Mapping[str, float] | None = None,
    key: str = "page_id",
) -> pl.DataFrame:
    """Carry per-wiki PageRank scores to Wikidata entities (rule in the module docstring).

    Args:
        page_scores: ``wiki``, `key` (``page_id`` or ``title``) and ``score`` of every
            article of every wiki taken into account.
        sitelinks: ``wiki``, `key` and ``entity`` (``Q…``) linking pages to entities.
        wiki_weights: Weight of each wiki; default: every wiki in `page_scores` weighs 1. A wiki
            missing from the mapping weighs 0.
        key: Column joining pages to sitelinks.

    Returns:
        Columns ``rank`` (1 = highest), ``entity``, ``score``, ``wikis`` (how many wikis have a
        page for the entity), ``best_wiki`` (the wiki giving the highest share; ties by name),
        in rank order.
    """
    scores = page_scores.lazy().select("wiki", key, pl.col("score").cast(pl.Float64))
    links = sitelinks.lazy().select("wiki", key, pl.col("entity").cast(pl.String)).unique()
    wikis = scores.select(pl.col("wiki").unique()).collect()["wiki"].to_list()
    if wiki_weights is None:
        weights = {wiki: 1.0 for wiki in wikis}
    else:
        weights = {wiki: float(wiki_weights.get(wiki, 0.0)) for wiki in wikis}
    total_weight = sum(weights.values())
    if total_weight <= 0:
        raise ValueError("the wikis' weights sum to zero")
    weight_frame = pl.LazyFrame(
        {"wiki": list(weights), "weight": [w / total_weight for w in weights.values()]},
        schema={"wiki": pl.String, "weight": pl.Float64},
    )
    per_wiki = (
        scores.join(links, on=["wiki", key], how="inner")
        .group_by("entity", "wiki")
        .agg(_ordered_sum(pl.col("score")))
        .join(weight_frame, on="wiki", how="inner")
        .with_columns((pl.col("score") * pl.col("weight")).alias("share"))
    )
    best = (
        per_wiki.sort(["entity", "share", "wiki"], descending=[False, True, False])
        .group_by("entity", maintain_order=True)
        .agg(pl.col("wiki").first().alias("best_wiki"))
    )
    combined = (
        per_wiki.group_by("entity")
        .agg(_ordered_sum(pl.col("share")).alias("score"), pl.col("wiki").n_unique().alias("wikis"))
        .join(best, on="entity", how="left")
        .with_columns(_entity_number(pl.col("entity")).alias("_number"))
        .sort(["score", "_number", "entity"], descending=[True, False, False])
        .with_row_index("rank", offset=1)
        .select(
            pl.col("rank").cast(pl.Int64),
            "entity",
            "score",
            pl.col("wikis").cast(pl.Int32),
            "best_wiki",
        )
    )
    return combined.collect()


def entity_links(
    edges: pl.LazyFrame | pl.DataFrame,
    page_entities: pl.LazyFrame | pl.DataFrame,
) -> pl.DataFrame:
    """Map article links to entity links (the graph signal smearing walks on).

    Args:
        edges: ``wiki``, ``source_page_id``, ``target_page_id`` of article links (any number of
            wikis).
        page_entities: ``wiki``, ``page_id``, ``entity`` of the pages that have one.

    Returns:
        Distinct ``source_entity``, ``target_entity`` pairs without self-links, sorted.
    """
    pages = page_entities.lazy().select("wiki", "page_id", "entity")
    mapped = (
        edges.lazy()
        .join(
            pages.rename({"page_id": "source_page_id", "entity": "source_entity"}),
            on=["wiki", "source_page_id"],
            how="inner",
        )
        .join(
            pages.rename({"page_id": "target_page_id", "entity": "target_entity"}),
            on=["wiki", "target_page_id"],
            how="inner",
        )
        .select("source_entity", "target_entity")
        .filter(pl.col("source_entity") != pl.col("target_entity"))
        .unique()
        .with_columns(
            _entity_number(pl.col("source_entity")).alias("_s"),
            _entity_number(pl.col("target_entity")).alias("_t"),
        )
        .sort(["_s", "source_entity", "_t", "target_entity"])
        .drop("_s", "_t")
    )
    return mapped.collect()


def smear_views(
    views: pl.LazyFrame | pl.DataFrame,
    links: pl.LazyFrame | pl.DataFrame,
    share: float = DEFAULT_SMEARING_SHARE,
) -> pl.DataFrame:
    """Pass a share of each entity's views along its links, one step (rule in module docstring).

    Args:
        views: ``entity``, ``views`` (non-negative numbers).
        links: ``source_entity``, ``target_entity`` (as from :func:`entity_links`); duplicates
            and self-links are ignored.
        share: Fraction s in [0, 1] of an entity's views passed on.

    Returns:
        ``entity``, ``views`` (original, 0 for entities only reached through links),
        ``smeared_views`` (float), sorted by smeared views descending then numeric entity id.
        The sum of ``smeared_views`` equals the sum of ``views``.

    Raises:
        ValueError: If `share` is outside [0, 1] or a view count is negative.
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError("share must be in [0, 1]")
    view_frame = (
        views.lazy().group_by("entity").agg(pl.col("views").cast(pl.Float64).sum()).collect()
    )
    if view_frame.height and float(view_frame["views"].min()) < 0:  # type: ignore[arg-type]
        raise ValueError("views must be non-negative")
    link_frame = (
        links.lazy()
        .select("source_entity", "target_entity")
        .filter(pl.col("source_entity") != pl.col("target_entity"))
        .unique()
    )
    out_degree = link_frame.group_by("source_entity").agg(pl.len().alias("out_degree"))
    passed = (
        link_frame.join(out_degree, on="source_entity")
        .join(view_frame.lazy().rename({"entity": "source_entity"}), on="source_entity")
        .group_by("target_entity")
        .agg(_ordered_sum(pl.col("views") * share / pl.col("out_degree")).alias("received"))
        .rename({"target_entity": "entity"})
    )
    kept = (
        view_frame.lazy()
        .join(out_degree.rename({"source_entity": "entity"}), on="entity", how="left")
        .select(
            "entity",
            "views",
            pl.when(pl.col("out_degree").is_null())
            .then(pl.col("views"))
            .otherwise(pl.col("views") * (1.0 - share))
            .alias("kept"),
        )
    )
    result = (
        kept.join(passed, on="entity", how="full", coalesce=True)
        .select(
            "entity",
            pl.col("views").fill_null(0.0),
            (pl.col("kept").fill_null(0.0) + pl.col("received").fill_null(0.0)).alias(
                "smeared_views"
            ),
        )
        .with_columns(_entity_number(pl.col("entity")).alias("_number"))
        .sort(["smeared_views", "_number", "entity"], descending=[True, False, False])
        .drop("_number")
    )
    return result.collect()


def rank_correlation(first: np.ndarray, second: np.ndarray) -> float:
    """Spearman rank correlation of two score vectors (how much smearing reorders things)."""
    from scipy.stats import spearmanr

    return float(spearmanr(first, second).statistic)


def page_entities_from_page_props(path: str | PathLike[str]) -> tuple[pl.DataFrame, dict[str, int]]:
    """The Wikidata entity of each page, from a `page_props` SQL dump (``wikibase_item``).

    Args:
        path: The wiki's `page_props` dump.

    Returns:
        ``page_id``, ``entity`` sorted by page id, and counters (``page_props_rows``,
        ``wikibase_items``, ``malformed_entity_ids`` skipped).
    """
    page_ids: list[int] = []
    entities: list[str] = []
    malformed = 0
    with SqlDump(path, table="page_props") as dump:
        for page_id, name, value in dump.rows(["pp_page", "pp_propname", "pp_value"]):
            if name != "wikibase_item":
                continue
            if not _ENTITY_ID.fullmatch(value or ""):
                malformed += 1
                continue
            page_ids.append(page_id)
            entities.append(value)
        rows = dump.stats.rows
    frame = pl.DataFrame(
        {"page_id": page_ids, "entity": entities},
        schema={"page_id": pl.Int64, "entity": pl.String},
    ).sort("page_id")
    return frame, {
        "page_props_rows": rows,
        "wikibase_items": frame.height,
        "malformed_entity_ids": malformed,
    }
