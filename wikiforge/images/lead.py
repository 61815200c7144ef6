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


def lead_images(articles: pl.LazyFrame, links: pl.LazyFrame, icons: pl.LazyFrame) -> pa.Table:
    """The ``lead_image`` table: one row per article that has a lead image.

    The first non-icon picture is the one with the smallest ``position``; rows from
    ``imagelinks`` have no position and fall back to the file name's order, so the result is
    deterministic either way.
    """
    props = articles.select(
        "page_id",
        "page_title",
        "item",
        pl.when(pl.col("page_image_free").is_not_null())
        .then(pl.col("page_image_free"))
        .otherwise(pl.col("page_image"))
        .alias("image"),
        pl.when(pl.col("page_image_free").is_not_null())
        .then(pl.lit("page_image_free"))
        .when(pl.col("page_image").is_not_null())
        .then(pl.lit("page_image"))
        .alias("source"),
    ).filter(pl.col("image").is_not_null())
    first = (
        non_icon_pictures(links, icons)
        .sort(["page_id", "position", "image"], nulls_last=True)
        .group_by("page_id", maintain_order=True)
        .first()
        .select("page_id", "image", pl.lit("first_file").alias("source"))
    )
    from_files = (
        articles.select("page_id", "page_title", "item")
        .join(props.select("page_id"), on="page_id", how="anti")
        .join(first, on="page_id", how="inner")
    )
    frame = pl.concat([props, from_files], how="vertical").sort("page_id").collect()
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
