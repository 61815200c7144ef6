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
from wikiforge.images.files import (
    KIND_FILTERS,
    P18_NAME_FILTERS,
    PICTURE_PATTERN,
    REFERENCE_NAME_FILTERS,
)

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
    """The knobs of the heuristic (defaults: the reference's values, and ours where noted)."""

    top_k: int = 3
    max_category_items: int = 99
    #: A file among the pictures of articles of more than this many items is a placeholder or
    #: a generic map, dropped from every source (the later pipeline's lead-image rule, applied
    #: to every picture other wikis offer).
    max_lead_items: int = 99
    excluded_classes: frozenset[str] = EXCLUDED_CLASSES
    name_filters: tuple[str, ...] = REFERENCE_NAME_FILTERS
    p18_name_filters: tuple[str, ...] = P18_NAME_FILTERS
    #: Kinds of file (``files.KIND_FILTERS``) dropped from every source, ours.
    kind_filters: tuple[tuple[str, str], ...] = tuple(KIND_FILTERS.items())
    #: How many of each other wiki's article pictures (best first) are candidates.
    pictures_per_wiki: int = 3


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


def category_item_counts(items: pl.LazyFrame) -> pl.LazyFrame:
    """``category``, ``items``: how many items name each Commons category as their P373."""
    return (
        items.select("item", pl.col("commons_category").alias("category"))
        .explode("category")
        .drop_nulls("category")
        .group_by("category")
        .agg(pl.col("item").n_unique().alias("items"))
    )


def lead_pictures(leads: pl.DataFrame, per_wiki: int) -> pl.DataFrame:
    """``wiki, item, image, place``: each article's lead image (place 0) and its next best
    pictures (``candidates`` of ``lead_image``; older tables without it give the lead only).
    """
    if "candidates" not in leads.columns:
        return leads.select("wiki", "item", "image", pl.lit(0, pl.Int64).alias("place"))
    listed = (
        leads.select(
            "wiki",
            "item",
            pl.concat_list(pl.col("image"), pl.col("candidates").fill_null([])).alias("image"),
        )
        .with_columns(pl.col("image").list.unique(maintain_order=True).list.head(per_wiki + 1))
        .with_columns(pl.int_ranges(0, pl.col("image").list.len()).alias("place"))
        .explode("image", "place")
    )
    return listed.drop_nulls("image").with_columns(pl.col("place").cast(pl.Int64))


def lead_item_counts(leads: pl.DataFrame) -> pl.DataFrame:
    """``image``, ``items``: of how many items' articles (all wikis) each file is a picture."""
    return leads.drop_nulls("item").group_by("image").agg(pl.col("item").n_unique().alias("items"))


def _empty_candidates() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "article": pl.UInt32,
            "image": pl.String,
            "source_rank": pl.Int8,
            "category_files": pl.Int64,
            "tiebreak": pl.Int64,
            "leads": pl.Int64,
        }
    )


class _Filters:
    """The filters every source goes through, each counted in ``stats``."""

    def __init__(
        self,
        rules: SuggestionRules,
        stats: dict[str, int],
        over_used: pl.DataFrame,
        placeholders: pl.DataFrame,
    ) -> None:
        self.rules, self.stats = rules, stats
        self.over_used, self.placeholders = over_used, placeholders

    def _count(self, label: str, before: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame:
        self.stats[label] = self.stats.get(label, 0) + before.height - after.height
        return after

    def apply(self, frame: pl.DataFrame, label: str, names: Collection[str]) -> pl.DataFrame:
        image = pl.col("image")
        frame = self._count(
            f"{label}_not_a_picture", frame, frame.filter(image.str.contains(PICTURE_PATTERN))
        )
        frame = self._count(
            f"{label}_name_filter", frame, frame.filter(~contains_any(image, names))
        )
        for kind, pattern in self.rules.kind_filters:
            frame = self._count(
                f"{label}_{kind}", frame, frame.filter(~image.str.contains(f"(?i){pattern}"))
            )
        frame = self._count(
            f"{label}_placeholder",
            frame,
            frame.join(self.placeholders, on="image", how="anti"),
        )
        return self._count(
            f"{label}_picture_of_over_{self.rules.max_lead_items}_items",
            frame,
            frame.join(self.over_used.select("image"), on="image", how="anti"),
        )


def _prepare_targets(
    targets: pl.DataFrame, items: pl.LazyFrame, rules: SuggestionRules
) -> pl.DataFrame:
    """Targets with one integer per article, their item's claims and ``is_article_page``."""
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
    return base.with_columns(
        (~pl.col("instance_of").list.eval(pl.element().is_in(excluded)).list.any()).alias(
            "is_article_page"
        )
    )


def _p18_candidates(eligible: pl.DataFrame, filters: _Filters) -> pl.DataFrame:
    # The statements' order is the item's own (editors put the best picture first).
    p18 = (
        eligible.select(
            "article",
            pl.col("p18").alias("image"),
            pl.int_ranges(0, pl.col("p18").list.len()).alias("tiebreak"),
        )
        .explode("image", "tiebreak")
        .drop_nulls("image")
    )
    return filters.apply(p18, "wikidata", filters.rules.p18_name_filters).with_columns(
        pl.lit(0, pl.Int8).alias("source_rank")
    )


def _wikipedia_candidates(
    other: pl.DataFrame,
    eligible: pl.DataFrame,
    filters: _Filters,
    commons: CommonsListing | None,
) -> pl.DataFrame:
    """Other wikis' pictures of the item. After the filters, each wiki's best remaining
    picture is its (suggestible) lead; a file ranks by how many wikis lead with it, then by
    how many use it, then by its best place.
    """
    frame = other.join(eligible.select("article"), on="article", how="semi")
    frame = filters.apply(frame, "wikipedia", filters.rules.name_filters)
    if commons is not None:
        existing = pl.DataFrame({"image": sorted(commons.existing)}, schema={"image": pl.String})
        before = frame
        frame = frame.join(existing, on="image", how="semi")
        filters.stats["wikipedia_not_on_commons"] = before.height - frame.height
    frame = frame.with_columns(
        (pl.col("place").rank("ordinal").over("article", "lead_wiki") == 1).alias("is_lead")
    )
    return (
        frame.group_by("article", "image")
        .agg(
            pl.col("lead_wiki").filter(pl.col("is_lead")).n_unique().cast(pl.Int64).alias("leads"),
            pl.col("place").min().cast(pl.Int64).alias("tiebreak"),
        )
        .with_columns(pl.lit(1, pl.Int8).alias("source_rank"))
    )


def _commons_candidates(
    eligible: pl.DataFrame,
    items: pl.LazyFrame,
    commons: CommonsListing | None,
    category_counts: pl.DataFrame | None,
    filters: _Filters,
) -> pl.DataFrame:
    if commons is None:
        return _empty_candidates()
    rules = filters.rules
    counts = (
        category_counts if category_counts is not None else category_item_counts(items).collect()
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
    filters.stats[f"commons_category_of_over_{rules.max_category_items}_items"] = (
        start - cats.height
    )
    files = commons.category_files
    sizes = files.group_by("category").agg(pl.len().cast(pl.Int64).alias("category_files"))
    category = (
        cats.join(files, on="category", how="inner")
        .join(sizes, on="category", how="left")
        .select("article", "image", "category_files", pl.col("file_page_id").alias("tiebreak"))
    )
    category = filters.apply(category, "commons", rules.name_filters)
    return (
        category.group_by("article", "image")
        .agg(pl.col("category_files").min(), pl.col("tiebreak").min())
        .with_columns(pl.lit(2, pl.Int8).alias("source_rank"))
    )


def _scored(frame: pl.DataFrame, found_count: pl.DataFrame) -> pl.DataFrame:
    schema = _empty_candidates().schema
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
        .with_columns(pl.col("found").fill_null(0), pl.col("leads").fill_null(0))
        .with_columns(_score().alias("score"))
    )


def _per_source_table(candidates: pl.DataFrame, targets: pl.DataFrame, top_k: int) -> pl.DataFrame:
    return (
        _ranked(candidates, ["article", "source_rank"], top_k)
        .join(targets.select("article", "wiki", "page_id"), on="article")
        .select(
            "wiki",
            "page_id",
            _source_name(pl.col("source_rank")).alias("source"),
            "image",
            pl.col("rank").cast(pl.UInt32),
        )
    )


def _final_table(base: pl.DataFrame, best: pl.DataFrame, other: pl.DataFrame) -> pl.DataFrame:
    keys = ["article", "image"]
    found_on = (
        other.join(best.select(keys), on=keys, how="semi")
        .group_by(keys)
        .agg(pl.col("lead_wiki").unique().sort().alias("found_on"))
    )
    best = best.join(found_on, on=keys, how="left").with_columns(
        pl.col("found_on").fill_null(pl.lit([], pl.List(pl.String)))
    )
    return (
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
        leads: ``wiki``, ``item``, ``image`` (and ``candidates``): the lead images and next
            best pictures of every wiki's articles (``lead_image``).
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
    base = _prepare_targets(targets, items, rules)
    eligible = base.filter(pl.col("is_article_page"))
    pictures = lead_pictures(leads.drop_nulls(["item", "image"]), rules.pictures_per_wiki)
    other = (
        base.select("article", "wiki", "item")
        .join(pictures.rename({"wiki": "lead_wiki"}), on="item", how="inner")
        .filter(pl.col("lead_wiki") != pl.col("wiki"))
        .select("article", "item", "image", "lead_wiki", "place")
    )
    leads_only = other.filter(pl.col("place") == 0)
    raw = base.select(
        "wiki",
        "page_id",
        (pl.col("p18").list.len() > 0).alias("has_p18"),
        (pl.col("commons_category").list.len() > 0).alias("has_commons_category"),
        pl.col("article").is_in(leads_only["article"].unique().implode()).alias("has_other_lead"),
    )
    # How many other wikis use each (article, file) among their pictures.
    found_count = other.group_by("article", "image").agg(
        pl.col("lead_wiki").n_unique().cast(pl.Int64).alias("found")
    )
    filters = _Filters(
        rules,
        stats,
        over_used=lead_item_counts(pictures).filter(pl.col("items") > rules.max_lead_items),
        placeholders=pl.DataFrame(
            {"image": sorted(commons.placeholders) if commons else []},
            schema={"image": pl.String},
        ),
    )
    p18 = _scored(_p18_candidates(eligible, filters), found_count)
    wikipedia = _scored(_wikipedia_candidates(other, eligible, filters, commons), found_count)
    category = _scored(
        _commons_candidates(eligible, items, commons, category_counts, filters), found_count
    )
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
        by_source = _per_source_table(pl.concat([p18, wikipedia, category]), base, rules.top_k)
    # One file, one suggestion: the most trusted source's row wins.
    keys = ["article", "image"]
    wikipedia = wikipedia.join(p18.select(keys), on=keys, how="anti")
    category = category.join(
        pl.concat([p18.select(keys), wikipedia.select(keys)]), on=keys, how="anti"
    )
    candidates = pl.concat([p18, wikipedia, category])
    best = _ranked(candidates, ["article"], rules.top_k)
    stats["candidates"] = candidates.height
    stats["articles_excluded_by_instance_of"] = base.height - eligible.height
    return Suggestions(
        table=_final_table(base, best, other), per_source=by_source, raw=raw, stats=stats
    )


def _source_name(source_rank: pl.Expr) -> pl.Expr:
    return source_rank.replace_strict(
        list(range(3)), list(SOURCES), default=None, return_dtype=pl.String
    )


def _score() -> pl.Expr:
    found = pl.col("found").cast(pl.Float64)
    # Wikis leading with the file count fully, wikis merely using it half.
    votes = pl.col("leads").cast(pl.Float64) + 0.5 * (found - pl.col("leads").cast(pl.Float64))
    return (
        pl.when(pl.col("source_rank") == 0)
        .then(0.85 + 0.15 * found / (found + 1))
        .when(pl.col("source_rank") == 1)
        .then(0.5 + 0.3 * (1 - 1 / (1 + votes.clip(lower_bound=0))))
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
