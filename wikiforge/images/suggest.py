"""Image suggestions for unillustrated articles: the reference heuristic, made deterministic.

For an article whose Wikidata item is known, up to ``top_k`` (3) files are suggested:

1. the item's **P18** image: confidence *high*, unless its name contains "flag";
2. the **lead images of the same item's articles on the other wikis** (PageImages
   ``page_image_free``/``page_image``, or the first non-icon picture), ranked by how many wikis
   use them: *medium*; the reference's name checks (``.svg``, flag, map, placeholders...) apply,
   and, when a Commons listing is in the landing zone, only files that exist on Commons;
3. files of the item's **P373 Commons category**, when a Commons category listing is in the
   landing zone: *low*. The reference drew three at random (repeats possible); here they are
   ranked: files other wikis use as a lead image first, then the oldest (lowest page id).

Refinements of the later pipeline (T314120): a P373 category that is the P373 of more than 99
items names a collection, not the subject, and is ignored; a file that is the lead image of
articles of more than 99 items (a country map) is dropped from every source. Items that are
disambiguation pages, lists, years, given or family names or natural numbers get nothing.

Unlike the reference: no random draws; file names are normalised (``files.normalize_file_name``)
so the P18 ``Manu Trigueros.JPG`` and the lead image ``Manu_Trigueros.JPG`` are one
suggestion (the most trusted source wins and ``found_on`` keeps the wikis); every suggestion
gets a 0-1 ``score``, monotone with confidence:

* high: ``0.85 + 0.15 * n / (n + 1)``, n = other wikis whose lead image it also is;
* medium: ``0.5 + 0.3 * (1 - 1 / n)``, n = wikis whose lead image it is (n >= 1);
* low: ``0.1 + 0.3 / sqrt(files in the category)``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

import polars as pl

from wikiforge.images.commons import CommonsListing
from wikiforge.images.files import P18_NAME_FILTERS, PICTURE_PATTERN, REFERENCE_NAME_FILTERS

#: P31 classes whose articles get no suggestion: the reference's disambiguation, year and list,
#: the ETL's wider list (calendar years, names, natural numbers) and the rating tool's
#: "events in a specific year".
EXCLUDED_CLASSES = frozenset(
    {
        "Q4167410",  # Wikimedia disambiguation page
        "Q22808320",  # Wikimedia human name disambiguation page
        "Q13406463",  # Wikimedia list article
        "Q577",  # year
        "Q3186692",  # calendar year
        "Q18340514",  # article about events in a specific year or time period
        "Q101352",  # family name
        "Q202444",  # given name
        "Q12308941",  # male given name
        "Q11879590",  # female given name
        "Q3409032",  # unisex given name
        "Q21199",  # natural number
    }
)

SOURCES = ("wikidata", "wikipedia", "commons")  # index = source rank (most trusted first)
CONFIDENCE = ("high", "medium", "low")


@dataclass(frozen=True)
class SuggestionRules:
    """The knobs of the heuristic (defaults: the reference's values)."""

    top_k: int = 3
    max_category_items: int = 99
    max_lead_items: int = 99
    excluded_classes: frozenset[str] = EXCLUDED_CLASSES
    name_filters: tuple[str, ...] = REFERENCE_NAME_FILTERS
    p18_name_filters: tuple[str, ...] = P18_NAME_FILTERS


@dataclass
class Suggestions:
    """The outcome of one suggestion run.

    Attributes:
        table: One row per (article, suggestion), best first, and one row with null image per
            article without any: ``wiki, page_id, page_title, item, rank, image, confidence,
            score, source, found_on, instance_of, is_article_page``.
        per_source: The top ``top_k`` candidates of each source on its own (``wiki, page_id,
            source, image, rank``), for the offline evaluation; empty unless asked for.
        raw: Per article, whether the item has a P18, a P373 or another wiki's lead image
            before any filter (the reference's raw coverage columns).
        stats: Candidates removed by each filter.
    """

    table: pl.DataFrame
    per_source: pl.DataFrame
    raw: pl.DataFrame
    stats: dict[str, int] = field(default_factory=dict)


def contains_any(expr: pl.Expr, needles: Collection[str]) -> pl.Expr:
    """Whether a string expression contains any of ``needles`` (case-insensitive)."""
    if not needles:
        return pl.lit(False)
    pattern = "(?i)" + "|".join(re.escape(n) for n in needles)
    return expr.str.contains(pattern)


def _contains_any(column: str, needles: Collection[str]) -> pl.Expr:
    return contains_any(pl.col(column), needles)


def category_item_counts(items: pl.LazyFrame) -> pl.LazyFrame:
    """``category``, ``items``: how many items name each Commons category as their P373."""
    return (
        items.select("item", pl.col("commons_category").alias("category"))
        .explode("category")
        .drop_nulls("category")
        .group_by("category")
        .agg(pl.col("item").n_unique().alias("items"))
    )


def lead_item_counts(leads: pl.DataFrame) -> pl.DataFrame:
    """``image``, ``items``: of how many items' articles (all wikis) each file is the lead."""
    return leads.drop_nulls("item").group_by("image").agg(pl.col("item").n_unique().alias("items"))


def _empty_candidates() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "article": pl.UInt32,
            "image": pl.String,
            "source_rank": pl.Int8,
            "category_files": pl.Int64,
            "tiebreak": pl.Int64,
        }
    )


def suggest_images(
    targets: pl.DataFrame,
    items: pl.LazyFrame,
    leads: pl.DataFrame,
    commons: CommonsListing | None = None,
    rules: SuggestionRules = SuggestionRules(),
    category_counts: pl.DataFrame | None = None,
    per_source: bool = False,
) -> Suggestions:
    """Suggest up to ``rules.top_k`` images for each target article.

    Args:
        targets: ``wiki``, ``page_id``, ``page_title``, ``item`` of the articles to illustrate
            (one row per article).
        items: The ``item_images`` table (``item``, ``instance_of``, ``image``,
            ``commons_category``): the whole table, as category counts need every item.
        leads: ``wiki``, ``item``, ``image``: the lead images of every wiki's articles.
        commons: A Commons listing (category files, existing files, placeholders), or None.
        rules: The heuristic's parameters.
        category_counts: Precomputed ``category_item_counts(items)`` (it is the same for
            every run over one Wikidata dump).
        per_source: Also rank each source's candidates on its own (for the evaluation).

    Returns:
        The suggestions, per-source candidates (empty unless asked), raw coverage flags and
        filter counts.
    """
    stats: dict[str, int] = {}
    # One integer per article: joins and sorts on it are much cheaper than on (wiki, page_id).
    targets = targets.select("wiki", "page_id", "page_title", "item").with_row_index("article")
    wanted = targets.select("item").unique()
    claims = (
        items.join(wanted.lazy(), on="item", how="semi")
        .select("item", "instance_of", pl.col("image").alias("p18"), "commons_category")
        .collect()
    )
    empty_list = pl.lit([], pl.List(pl.String))
    base = targets.join(claims, on="item", how="left").with_columns(
        pl.col("instance_of").fill_null(empty_list),
        pl.col("p18").fill_null(empty_list),
        pl.col("commons_category").fill_null(empty_list),
    )
    excluded = list(rules.excluded_classes)
    base = base.with_columns(
        (~pl.col("instance_of").list.eval(pl.element().is_in(excluded)).list.any()).alias(
            "is_article_page"
        )
    )
    eligible = base.filter(pl.col("is_article_page"))
    leads = leads.select("wiki", "item", "image").drop_nulls()
    other_leads = (
        base.select("article", "wiki", "item")
        .join(leads.rename({"wiki": "lead_wiki"}), on="item", how="inner")
        .filter(pl.col("lead_wiki") != pl.col("wiki"))
        .select("article", "item", "image", "lead_wiki")
    )
    with_other_lead = other_leads.select("article").unique()
    raw = base.select(
        "article",
        "wiki",
        "page_id",
        (pl.col("p18").list.len() > 0).alias("has_p18"),
        (pl.col("commons_category").list.len() > 0).alias("has_commons_category"),
        pl.col("article").is_in(with_other_lead["article"].implode()).alias("has_other_lead"),
    ).drop("article")
    # How many other wikis have each (article, file) as lead image (the list itself is built
    # for the suggestions kept only: building lists for every candidate costs most of the time).
    found_count = other_leads.group_by("article", "image").agg(
        pl.col("lead_wiki").n_unique().cast(pl.Int64).alias("found")
    )

    over_used = lead_item_counts(leads).filter(pl.col("items") > rules.max_lead_items)
    placeholders = pl.DataFrame(
        {"image": sorted(commons.placeholders) if commons else []}, schema={"image": pl.String}
    )

    def common_filters(frame: pl.DataFrame, label: str, name_filters) -> pl.DataFrame:
        start = frame.height
        frame = frame.filter(pl.col("image").str.contains(PICTURE_PATTERN))
        stats[f"{label}_not_a_picture"] = start - frame.height
        start = frame.height
        frame = frame.filter(~_contains_any("image", name_filters))
        stats[f"{label}_name_filter"] = start - frame.height
        start = frame.height
        frame = frame.join(placeholders, on="image", how="anti")
        stats[f"{label}_placeholder"] = start - frame.height
        start = frame.height
        frame = frame.join(over_used.select("image"), on="image", how="anti")
        stats[f"{label}_lead_of_over_{rules.max_lead_items}_items"] = start - frame.height
        return frame

    # 1. P18. The statements' order is the item's own (editors put the best picture first).
    p18 = (
        eligible.select(
            "article",
            pl.col("p18").alias("image"),
            pl.int_ranges(0, pl.col("p18").list.len()).alias("tiebreak"),
        )
        .explode("image", "tiebreak")
        .drop_nulls("image")
    )
    p18 = common_filters(p18, "wikidata", rules.p18_name_filters).with_columns(
        pl.lit(0, pl.Int8).alias("source_rank")
    )

    # 2. Other wikis' lead images.
    wikipedia = (
        other_leads.join(eligible.select("article"), on="article", how="semi")
        .select("article", "image")
        .unique()
    )
    wikipedia = common_filters(wikipedia, "wikipedia", rules.name_filters)
    if commons is not None:
        start = wikipedia.height
        existing = pl.DataFrame({"image": sorted(commons.existing)}, schema={"image": pl.String})
        wikipedia = wikipedia.join(existing, on="image", how="semi")
        stats["wikipedia_not_on_commons"] = start - wikipedia.height
    wikipedia = wikipedia.with_columns(pl.lit(1, pl.Int8).alias("source_rank"))

    # 3. P373 Commons category files.
    if commons is not None:
        counts = (
            category_counts
            if category_counts is not None
            else category_item_counts(items).collect()
        )
        cats = (
            eligible.select("article", pl.col("commons_category").alias("category"))
            .explode("category")
            .drop_nulls("category")
        )
        start = cats.height
        cats = cats.join(
            counts.filter(pl.col("items") > rules.max_category_items).select("category"),
            on="category",
            how="anti",
        )
        stats[f"commons_category_of_over_{rules.max_category_items}_items"] = start - cats.height
        files = commons.category_files
        sizes = files.group_by("category").agg(pl.len().cast(pl.Int64).alias("category_files"))
        category = (
            cats.join(files, on="category", how="inner")
            .join(sizes, on="category", how="left")
            .select("article", "image", "category_files", pl.col("file_page_id").alias("tiebreak"))
        )
        category = common_filters(category, "commons", rules.name_filters)
        category = (
            category.group_by("article", "image")
            .agg(pl.col("category_files").min(), pl.col("tiebreak").min())
            .with_columns(pl.lit(2, pl.Int8).alias("source_rank"))
        )
    else:
        category = _empty_candidates()

    schema = _empty_candidates().schema

    def scored(frame: pl.DataFrame) -> pl.DataFrame:
        return (
            frame.with_columns(
                *[
                    pl.lit(None, dtype).alias(name)
                    for name, dtype in schema.items()
                    if name not in frame.columns
                ]
            )
            .select(list(schema))
            .cast(schema)
            .join(found_count, on=["article", "image"], how="left")
            .with_columns(pl.col("found").fill_null(0))
            .with_columns(_score().alias("score"))
        )

    p18, wikipedia, category = scored(p18), scored(wikipedia), scored(category)
    by_source = pl.DataFrame(
        schema={
            "wiki": pl.String,
            "page_id": pl.Int64,
            "source": pl.String,
            "image": pl.String,
            "rank": pl.UInt32,
        }
    )
    if per_source:
        by_source = (
            _ranked(pl.concat([p18, wikipedia, category]), ["article", "source_rank"], rules.top_k)
            .join(targets.select("article", "wiki", "page_id"), on="article")
            .select(
                "wiki",
                "page_id",
                _source_name(pl.col("source_rank")).alias("source"),
                "image",
                pl.col("rank").cast(pl.UInt32),
            )
        )
    # One file, one suggestion: the most trusted source's row wins. (A file twice in one
    # source cannot happen: each source's frame has one row per article and file.)
    keys = ["article", "image"]
    wikipedia = wikipedia.join(p18.select(keys), on=keys, how="anti")
    category = category.join(
        pl.concat([p18.select(keys), wikipedia.select(keys)]), on=keys, how="anti"
    )
    candidates = pl.concat([p18, wikipedia, category])
    best = _ranked(candidates, ["article"], rules.top_k)
    found_on = (
        other_leads.join(best.select(keys), on=keys, how="semi")
        .group_by(keys)
        .agg(pl.col("lead_wiki").unique().sort().alias("found_on"))
    )
    best = best.join(found_on, on=keys, how="left").with_columns(
        pl.col("found_on").fill_null(empty_list)
    )
    table = (
        base.select(
            "article", "wiki", "page_id", "page_title", "item", "instance_of", "is_article_page"
        )
        .join(
            best.select("article", "rank", "image", "source_rank", "score", "found_on"),
            on="article",
            how="left",
        )
        .with_columns(
            pl.col("source_rank")
            .replace_strict(list(range(3)), list(CONFIDENCE), default=None, return_dtype=pl.String)
            .alias("confidence"),
            _source_name(pl.col("source_rank")).alias("source"),
            pl.col("rank").cast(pl.Int8),
        )
        .select(
            "wiki",
            "page_id",
            "page_title",
            "item",
            "rank",
            "image",
            "confidence",
            "score",
            "source",
            "found_on",
            "instance_of",
            "is_article_page",
        )
        .sort(["wiki", "page_id", "rank"], nulls_last=True)
    )
    stats["candidates"] = candidates.height
    stats["articles_excluded_by_instance_of"] = base.height - eligible.height
    return Suggestions(table=table, per_source=by_source, raw=raw, stats=stats)


def _source_name(source_rank: pl.Expr) -> pl.Expr:
    return source_rank.replace_strict(
        list(range(3)), list(SOURCES), default=None, return_dtype=pl.String
    )


def _score() -> pl.Expr:
    found = pl.col("found").cast(pl.Float64)
    return (
        pl.when(pl.col("source_rank") == 0)
        .then(0.85 + 0.15 * found / (found + 1))
        .when(pl.col("source_rank") == 1)
        .then(0.5 + 0.3 * (1 - 1 / found.clip(lower_bound=1)))
        .otherwise(0.1 + 0.3 / pl.col("category_files").cast(pl.Float64).clip(lower_bound=1).sqrt())
    )


def _ranked(frame: pl.DataFrame, by: list[str], top_k: int) -> pl.DataFrame:
    """Rows ordered by trust, score, tiebreak (P18 statement order, Commons file age) and name;
    the first ``top_k`` per group.
    """
    ordered = frame.sort(
        [*by, "source_rank", "score", "tiebreak", "image"],
        descending=[False] * len(by) + [False, True, False, False],
        nulls_last=True,
    )
    return ordered.with_columns(pl.int_range(1, pl.len() + 1).over(by).alias("rank")).filter(
        pl.col("rank") <= top_k
    )
