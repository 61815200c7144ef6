"""Helpers the images assets share (no assets here): finding inputs across partitions."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from resources.storage import DataStore, TableStream
from wikiforge.storage import StoredAsset

#: Ready steps of higher priority run first in a run: the images steps of a wiki run after its
#: `pages` step, so they find this dump's pages published instead of reading the XML again.
AFTER_PAGES = {"dagster/priority": "-1"}

#: Commons' dumps in the landing zone are its category listing, not a wiki to illustrate.
COMMONS_WIKI = "commonswiki"


def dump_dates(stored: StoredAsset) -> set[str]:
    """The dump dates of the source files a published version was computed from."""
    return {str(s.get("date")) for s in stored.manifest.get("sources", []) if s.get("date")}


def published_pages(store: DataStore, wiki: str, date: str) -> StoredAsset | None:
    """The wiki's published `pages`, if it was read from this dump date."""
    stored = store.current("pages", wiki)
    if stored is None or date not in dump_dates(stored):
        return None
    return stored


def table_with_stats(table: pa.Table, stats: dict[str, Any]) -> TableStream:
    """A table as a one-batch stream, so that ``stats`` also land in the stored manifest
    (downstream steps and the server read them from there, not from Dagster's event log).
    """
    return TableStream(table.schema, [table], stats)


# -- inputs of the cross-wiki steps (suggestions, evaluation) ---------------------------------


def wiki_frame(store: DataStore, asset: str, columns: list[str]) -> tuple[Any, dict[str, str]]:
    """Every wiki's published partition of a per-wiki asset, with a ``wiki`` column, and the
    version used of each (for the metadata).
    """
    import polars as pl

    frames, versions = [], {}
    for wiki in store.partitions(asset):
        stored = store.current(asset, wiki)
        if stored is None:
            continue
        versions[wiki] = stored.version
        scan = stored.scan()
        # Versions published before a column was added lack it (e.g. lead_image candidates).
        present = [c for c in columns if c in scan.collect_schema().names()]
        frames.append(
            scan.select(present)
            .with_columns(pl.lit(wiki).alias("wiki"))
            .select(["wiki", *present])
            .collect()
        )
    if not frames:
        return None, versions
    return pl.concat(frames, how="diagonal_relaxed"), versions


def wiki_stats(store: DataStore, asset: str) -> dict[str, dict[str, Any]]:
    """The manifest stats of every wiki's published partition of an asset."""
    out = {}
    for wiki in store.partitions(asset):
        stored = store.current(asset, wiki)
        if stored is not None:
            out[wiki] = dict(stored.manifest.get("stats", {}))
    return out


def newest_items(store: DataStore) -> tuple[Any, str | None, str]:
    """The newest published `item_images` as a LazyFrame, its dump date and a description."""
    import polars as pl

    from wikiforge.images.tables import ITEM_IMAGES_SCHEMA

    found = store.newest("item_images")
    if found is None:
        empty = pl.DataFrame(schema=pl.from_arrow(ITEM_IMAGES_SCHEMA.empty_table()).schema)
        return empty.lazy(), None, "none published: P18, P373 and P31 unknown"
    date, stored = found
    return stored.scan(), date, f"item_images {date} {stored.version}"


def commons_listing(landing, targets, items, leads, log) -> tuple[Any, str]:
    """Read the Commons category listing of the landing zone, if any, for these targets."""
    from wikiforge.images.commons import read_commons_listing

    dump = landing.landing.latest_wiki_dump(COMMONS_WIKI)
    if dump is None or "categorylinks" not in dump.sql or "page" not in dump.sql:
        return None, "none in the landing zone (dumps/commonswiki/<date>/ categorylinks + page)"
    wanted = targets.select("item").unique()
    categories = (
        items.join(wanted.lazy(), on="item", how="semi")
        .select("commons_category")
        .explode("commons_category")
        .drop_nulls()
        .unique()
        .collect()["commons_category"]
        .to_list()
    )
    names = leads.join(wanted, on="item", how="semi")["image"].unique().to_list()
    listing = read_commons_listing(
        dump.sql["categorylinks"],
        dump.sql["page"],
        categories=categories,
        file_names=names,
        linktarget=dump.sql.get("linktarget"),
    )
    log.info(f"commons listing {dump.date}: {listing.stats}")
    return listing, f"commonswiki {dump.date}: {listing.stats}"


def article_states(store: DataStore) -> Any:
    """``wiki, page_id, page_title, item, state`` of every article of every wiki: an article
    is ``illustrated`` when it has a PageImages property or a non-icon picture.
    """
    import polars as pl

    from wikiforge.images.lead import illustrated_files

    frames = []
    for wiki in store.partitions("image_articles"):
        parts = [store.current(n, wiki) for n in ("image_articles", "image_links", "icon_images")]
        if wiki == COMMONS_WIKI or any(part is None for part in parts):
            continue
        articles, links, icons = (part.scan() for part in parts)  # type: ignore[union-attr]
        illustrated = illustrated_files(articles, links, icons).select("page_id").unique()
        frames.append(
            articles.select("page_id", "page_title", "item")
            .join(illustrated.with_columns(pl.lit(True).alias("has")), on="page_id", how="left")
            .select(
                pl.lit(wiki).alias("wiki"),
                "page_id",
                "page_title",
                "item",
                pl.when(pl.col("has"))
                .then(pl.lit("illustrated"))
                .otherwise(pl.lit("unillustrated"))
                .alias("state"),
            )
            .collect()
        )
    schema = {
        "wiki": pl.String,
        "page_id": pl.Int64,
        "page_title": pl.String,
        "item": pl.String,
        "state": pl.String,
    }
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)
