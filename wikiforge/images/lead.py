"""Icons, lead images and unillustrated articles of one wiki (the reference's rules).

* An **icon** is a file used on more ns0 articles than a threshold that grows with the wiki's
  size (``icon_threshold``): flags, stub pictures, navbox logos.
* The **lead image** of an article is its PageImages property (``page_image_free``, else
  ``page_image``) where the dumps have ``page_props``, otherwise its first non-icon picture.
* An article is **illustrated** when it has such a property or uses a non-icon picture;
  **unillustrated** articles are the ns0, non-redirect articles with a Wikidata item that are
  not illustrated. Sound, video and documents do not illustrate (the reference counted any
  non-icon file; a pronunciation ``.ogg`` is not a picture of the subject).
"""

from __future__ import annotations

import math

import polars as pl
import pyarrow as pa

from wikiforge.images.files import PICTURE_PATTERN
from wikiforge.images.tables import ICON_IMAGES_SCHEMA, LEAD_IMAGE_SCHEMA, UNILLUSTRATED_SCHEMA

#: The reference's ``get_threshold`` constants: a 50,000-article wiki calls a file used on more
#: than 15 articles an icon; the threshold grows with log10 of the size above that and shrinks
#: linearly below it, but never under 15/4.
ICON_BASE_ARTICLES = 50_000
ICON_BASE_THRESHOLD = 15.0
ICON_FLOOR_DIVISOR = 4.0


def icon_threshold(articles: int) -> float:
    """Files used on more ns0 articles than this are icons (reference ``get_threshold``).

    >>> round(icon_threshold(6_199_587), 1)  # enwiki, 2020
    46.4
    >>> icon_threshold(1_651)  # hawiki
    3.75
    """
    if articles >= ICON_BASE_ARTICLES:
        return (math.log10(articles / ICON_BASE_ARTICLES) + 1) * ICON_BASE_THRESHOLD
    return max(
        articles / ICON_BASE_ARTICLES * ICON_BASE_THRESHOLD,
        ICON_BASE_THRESHOLD / ICON_FLOOR_DIVISOR,
    )


def icon_images(links: pl.LazyFrame, articles: int) -> pa.Table:
    """The icons among the files of ``image_links``, with the number of articles using each.

    Args:
        links: The ``image_links`` table (``page_id``, ``image``).
        articles: Number of ns0, non-redirect articles of the wiki.
    """
    threshold = icon_threshold(articles)
    frame = (
        links.group_by("image")
        .agg(pl.col("page_id").n_unique().cast(pl.Int64).alias("articles"))
        .filter(pl.col("articles") > threshold)
        .sort(["articles", "image"], descending=[True, False])
        .collect()
    )
    return frame.to_arrow().cast(ICON_IMAGES_SCHEMA)


def non_icon_pictures(links: pl.LazyFrame, icons: pl.LazyFrame) -> pl.LazyFrame:
    """The rows of ``image_links`` that are pictures and not icons."""
    return links.filter(pl.col("image").str.contains(PICTURE_PATTERN)).join(
        icons.select("image"), on="image", how="anti"
    )


#: PageImages' default scores (extension.json ``PageImagesScores``): by the width a picture is
#: shown at (upper bounds, px), by its place among the lead section's pictures, and by its
#: aspect ratio (width/height x 10, upper bounds).
WIDTH_SCORES = ((119, -100), (400, 10), (600, 5))
WIDTH_SCORE_ABOVE = 0
POSITION_SCORES = (8, 6, 4, 3)
RATIO_SCORES = ((3, -100), (5, 0), (20, 5), (30, 0))
RATIO_SCORE_ABOVE = -100
#: How many of an article's pictures other wikis' suggestions may draw on.
MAX_CANDIDATES = 5


def _bounded(value: pl.Expr, table: tuple[tuple[int, int], ...], above: int) -> pl.Expr:
    expr: pl.Expr = pl.lit(above)
    for bound, score in reversed(table):
        expr = pl.when(value <= bound).then(pl.lit(score)).otherwise(expr)
    return expr


def pageimages_scores(pictures: pl.LazyFrame) -> pl.LazyFrame:
    """``image_links`` rows with ``lead_position`` and PageImages' ``score``.

    The score is PageImages' (``ParserFileProcessingHookHandlers::getScore``): width shown
    (a picture shown at 119 px or less, an icon, gets -100), place among the lead section's
    pictures (8, 6, 4, 3 for the first four), aspect ratio when the markup gives both sides
    (very tall or very wide: -100). A picture shown at its own size (no size in the markup)
    or in a gallery scores 0 for width (its real width needs the file). Pictures outside the
    lead section get no place score; PageImages ignores them ($wgPageImagesLeadSectionOnly).
    """
    present = set(pictures.collect_schema().names())
    pictures = pictures.with_columns(
        pl.lit(None, dtype).alias(name)
        for name, dtype in (("in_lead", pl.Boolean), ("width", pl.Int32), ("height", pl.Int32))
        if name not in present
    )
    in_lead = pl.col("in_lead").fill_null(True)
    lead_position = (
        pl.when(in_lead)
        .then(pl.col("position").rank("ordinal").over("page_id", in_lead) - 1)
        .otherwise(None)
        .cast(pl.Int32)
    )
    width = pl.col("width").cast(pl.Int64)
    ratio = (pl.col("width") * 10 / pl.col("height")).floor()
    place = pl.lit(0)
    for index, points in reversed(list(enumerate(POSITION_SCORES))):
        place = pl.when(pl.col("lead_position") == index).then(pl.lit(points)).otherwise(place)
    return pictures.with_columns(lead_position.alias("lead_position")).with_columns(
        (
            pl.when(width.is_null())
            .then(pl.lit(0))
            .otherwise(_bounded(width, WIDTH_SCORES, WIDTH_SCORE_ABOVE))
            + place
            + pl.when(ratio.is_null())
            .then(pl.lit(0))
            .otherwise(_bounded(ratio, RATIO_SCORES, RATIO_SCORE_ABOVE))
        ).alias("score")
    )


def lead_images(articles: pl.LazyFrame, links: pl.LazyFrame, icons: pl.LazyFrame) -> pa.Table:
    """The ``lead_image`` table: one row per article that has a lead image or pictures.

    The lead image is the PageImages property (``page_image_free``, else ``page_image``)
    where the dumps have ``page_props``; otherwise PageImages' choice recomputed from the
    wikitext: the best-scoring picture of the lead section with a positive score (icons, the
    wiki's over-used files, stand in for its denylist). Without such a picture the article's
    best picture elsewhere is given (source ``best_picture``); from ``imagelinks`` (no
    positions) the first picture by name (``first_file``). ``candidates`` lists the article's
    pictures best first: lead section, then score, then place.
    """
    scored = pageimages_scores(non_icon_pictures(links, icons)).filter(pl.col("score") > -50)
    ordered = scored.sort(
        ["page_id", "in_lead", "score", "position", "image"],
        descending=[False, True, True, False, False],
        nulls_last=True,
    )
    per_article = ordered.group_by("page_id", maintain_order=True).agg(
        pl.col("image").head(MAX_CANDIDATES).alias("candidates"),
        pl.col("image").first().alias("best"),
        (pl.col("in_lead").fill_null(False).first() & (pl.col("score").first() > 0)).alias(
            "chosen"
        ),
        pl.col("in_lead").is_null().all().alias("unordered"),
    )
    frame = (
        articles.select("page_id", "page_title", "item", "page_image_free", "page_image")
        .join(per_article, on="page_id", how="left")
        .select(
            "page_id",
            "page_title",
            "item",
            pl.coalesce("page_image_free", "page_image", "best").alias("image"),
            pl.when(pl.col("page_image_free").is_not_null())
            .then(pl.lit("page_image_free"))
            .when(pl.col("page_image").is_not_null())
            .then(pl.lit("page_image"))
            .when(pl.col("unordered"))
            .then(pl.lit("first_file"))
            .when(pl.col("chosen"))
            .then(pl.lit("pageimages_score"))
            .otherwise(pl.lit("best_picture"))
            .alias("source"),
            pl.col("candidates"),
        )
        .filter(pl.col("image").is_not_null())
        .sort("page_id")
        .collect()
    )
    return frame.select(LEAD_IMAGE_SCHEMA.names).to_arrow().cast(LEAD_IMAGE_SCHEMA)


def illustrated_files(
    articles: pl.LazyFrame, links: pl.LazyFrame, icons: pl.LazyFrame
) -> pl.LazyFrame:
    """``page_id``, ``image``: the pictures that make each article illustrated (its non-icon
    pictures and its PageImages properties), one row per distinct file.
    """
    props = pl.concat(
        [
            articles.select("page_id", pl.col(column).alias("image"))
            for column in ("page_image_free", "page_image")
        ]
    ).filter(pl.col("image").is_not_null())
    files = non_icon_pictures(links, icons).select("page_id", "image")
    return pl.concat([props, files]).unique(["page_id", "image"])


def unillustrated(articles: pl.LazyFrame, links: pl.LazyFrame, icons: pl.LazyFrame) -> pa.Table:
    """The ``unillustrated`` table: articles with an item and no picture of their own."""
    illustrated = illustrated_files(articles, links, icons).select("page_id").unique()
    frame = (
        articles.filter(pl.col("item").is_not_null())
        .join(illustrated, on="page_id", how="anti")
        .select("page_id", "page_title", "item")
        .sort("page_id")
        .collect()
    )
    return frame.to_arrow().cast(UNILLUSTRATED_SCHEMA)
