"""The articles of a wiki with their Wikidata item and PageImages properties.

Articles are the ns0, non-redirect pages: from the ``page`` SQL dump when the landing zone has
it, else from the pages-articles XML (through the ``pages`` table). The item comes from the
``page_props`` dump (``wikibase_item``) when there is one, else from the sitelinks of a
Wikidata dump; ``page_image``/``page_image_free`` come only from ``page_props``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from os import PathLike

import polars as pl
import pyarrow as pa

from wikiforge.dumps.sql_reader import SqlDump
from wikiforge.images.files import normalize_file_name
from wikiforge.images.tables import IMAGE_ARTICLES_SCHEMA
from wikiforge.qrank.keys import sitelink_key

_ITEM_ID = re.compile(r"Q[1-9][0-9]*")
PAGE_PROPS_WANTED = ("wikibase_item", "page_image", "page_image_free")


@dataclass
class PropsStats:
    """What reading ``page_props`` saw: rows read and values skipped as malformed."""

    rows: int = 0
    wikibase_item: int = 0
    page_image: int = 0
    page_image_free: int = 0
    malformed: dict[str, int] = field(default_factory=dict)


def read_page_props(path: str | PathLike[str]) -> tuple[pl.DataFrame, PropsStats]:
    """``page_id``, ``item``, ``page_image``, ``page_image_free`` from a ``page_props`` dump.

    Streams the dump; only the three properties are kept. A malformed item id or file name is
    skipped and counted.

    Raises:
        InputError: on malformed SQL (from the shared reader), naming file and position.
    """
    stats = PropsStats()
    values: dict[str, dict[int, str]] = {name: {} for name in PAGE_PROPS_WANTED}
    with SqlDump(path, table="page_props") as dump:
        for page_id, name, value in dump.rows(["pp_page", "pp_propname", "pp_value"]):
            if name not in values:
                continue
            clean = (value or "").strip()
            if name == "wikibase_item":
                clean = clean if _ITEM_ID.fullmatch(clean) else None
            else:
                clean = normalize_file_name(clean)
            if clean is None:
                stats.malformed[name] = stats.malformed.get(name, 0) + 1
                continue
            values[name][page_id] = clean
            setattr(stats, name, getattr(stats, name) + 1)
        stats.rows = dump.stats.rows
    pages = sorted(set().union(*(v.keys() for v in values.values())))
    frame = pl.DataFrame(
        {
            "page_id": pages,
            "item": [values["wikibase_item"].get(p) for p in pages],
            "page_image": [values["page_image"].get(p) for p in pages],
            "page_image_free": [values["page_image_free"].get(p) for p in pages],
        },
        schema={
            "page_id": pl.Int64,
            "item": pl.String,
            "page_image": pl.String,
            "page_image_free": pl.String,
        },
    )
    return frame, stats


def articles_from_page_dump(path: str | PathLike[str]) -> pl.DataFrame:
    """``page_id``, ``page_title`` (spaces) of the ns0, non-redirect pages of a ``page`` dump."""
    parts = []
    with SqlDump(path, table="page") as dump:
        for batch in dump.batches(["page_id", "page_namespace", "page_title", "page_is_redirect"]):
            frame = pl.DataFrame(batch)
            parts.append(
                frame.filter(
                    (pl.col("page_namespace") == 0) & (pl.col("page_is_redirect") == 0)
                ).select("page_id", pl.col("page_title").str.replace_all("_", " "))
            )
    if not parts:
        return pl.DataFrame(schema={"page_id": pl.Int64, "page_title": pl.String})
    return pl.concat(parts).sort("page_id")


def articles_from_pages(pages: pl.LazyFrame) -> pl.DataFrame:
    """``page_id``, ``page_title`` of the ns0, non-redirect rows of a ``pages`` table."""
    return (
        pages.filter((pl.col("namespace") == 0) & pl.col("redirect").is_null())
        .select("page_id", pl.col("title").alias("page_title"))
        .sort("page_id")
        .collect()
    )


def articles_from_page_records(pages: Iterable) -> pl.DataFrame:
    """``page_id``, ``page_title`` of the ns0, non-redirect ``Page`` records of a dump reader."""
    ids, titles = [], []
    for page in pages:
        if page.namespace == 0 and page.redirect is None:
            ids.append(page.page_id)
            titles.append(page.title)
    return pl.DataFrame(
        {"page_id": ids, "page_title": titles},
        schema={"page_id": pl.Int64, "page_title": pl.String},
    ).sort("page_id")


def sitelink_prefix(wiki: str) -> str | None:
    """The part of the sitelinks join key shared by all of a wiki's pages (``ha.wikipedia/``)."""
    key = sitelink_key(wiki, "X")
    return None if key is None else key[: key.index("/") + 1]


def items_from_sitelinks(
    articles: pl.DataFrame, wiki: str, sitelinks: pl.LazyFrame
) -> pl.DataFrame:
    """``page_id``, ``item`` for the articles that a Wikidata dump's sitelinks name.

    Args:
        articles: ``page_id``, ``page_title``.
        wiki: The wiki's database name (a sitelink site).
        sitelinks: The qrank line's ``sitelinks`` table (``key``, ``qid``).
    """
    prefix = sitelink_prefix(wiki)
    empty = pl.DataFrame(schema={"page_id": pl.Int64, "item": pl.String})
    if prefix is None or articles.height == 0:
        return empty
    keyed = articles.select(
        "page_id",
        pl.col("page_title")
        .map_elements(lambda title: sitelink_key(wiki, title), return_dtype=pl.String)
        .alias("key"),
    )
    wanted = (
        sitelinks.filter(pl.col("key").str.starts_with(prefix))
        .select("key", pl.format("Q{}", pl.col("qid")).alias("item"))
        .collect()
    )
    return keyed.join(wanted, on="key", how="inner").select("page_id", "item").sort("page_id")


def assemble_articles(
    articles: pl.DataFrame,
    props: pl.DataFrame | None = None,
    sitelink_items: pl.DataFrame | None = None,
) -> pa.Table:
    """The ``image_articles`` table: articles with item and PageImages properties.

    The item from ``page_props`` wins over the sitelinks one (it is the wiki's own record).
    """
    frame = articles.select("page_id", "page_title")
    if props is not None:
        frame = frame.join(props, on="page_id", how="left")
    else:
        frame = frame.with_columns(
            pl.lit(None, pl.String).alias("item"),
            pl.lit(None, pl.String).alias("page_image"),
            pl.lit(None, pl.String).alias("page_image_free"),
        )
    if sitelink_items is not None:
        frame = (
            frame.join(sitelink_items.rename({"item": "sitelink_item"}), on="page_id", how="left")
            .with_columns(pl.coalesce("item", "sitelink_item").alias("item"))
            .drop("sitelink_item")
        )
    frame = frame.select(IMAGE_ARTICLES_SCHEMA.names).sort("page_id")
    return frame.to_arrow().cast(IMAGE_ARTICLES_SCHEMA)
