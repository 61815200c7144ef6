"""The ``image_links`` table: the files each article uses.

From the wikitext (``pages`` batches or a dump reader's pages) with ``extract.extract_file_uses``,
or from the wiki's ``imagelinks`` SQL dump: the old schema (``il_to``) and the current one
(``il_target_id`` -> ``linktarget``) are both read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from os import PathLike

import polars as pl
import pyarrow as pa

from wikiforge.dumps.sql_reader import SqlDump
from wikiforge.errors import InputError
from wikiforge.images.extract import extract_file_uses
from wikiforge.images.files import FILE_NAMESPACE, normalize_file_name
from wikiforge.images.tables import IMAGE_LINKS_SCHEMA

_BATCH_PAGES = 2_000


def _uses_table(page_ids: list, titles: list, uses: list) -> pa.Table:
    columns: dict[str, list] = {name: [] for name in IMAGE_LINKS_SCHEMA.names}
    for page_id, title, page_uses in zip(page_ids, titles, uses, strict=True):
        for position, use in enumerate(page_uses):
            columns["page_id"].append(page_id)
            columns["page_title"].append(title)
            columns["image"].append(use.image)
            columns["position"].append(position)
            columns["origin"].append(use.origin)
            columns["in_lead"].append(use.in_lead)
            columns["width"].append(use.width)
            columns["height"].append(use.height)
    return pa.Table.from_pydict(columns, schema=IMAGE_LINKS_SCHEMA)


def file_uses_batch(batch: pa.RecordBatch, prefixes: Sequence[str]) -> pa.Table:
    """The file uses of the ns0, non-redirect pages of one ``pages`` batch.

    A top-level function of a batch (bind ``prefixes`` with ``functools.partial``), so the
    engine can run it in worker processes or Spark.

    Args:
        batch: Rows with ``page_id``, ``namespace``, ``title``, ``redirect``, ``text``.
        prefixes: The wiki's File/Media prefixes.
    """
    ids = batch.column("page_id").to_pylist()
    namespaces = batch.column("namespace").to_pylist()
    titles = batch.column("title").to_pylist()
    redirects = batch.column("redirect").to_pylist()
    texts = batch.column("text").to_pylist()
    keep_ids, keep_titles, uses = [], [], []
    for page_id, namespace, title, redirect, text in zip(
        ids, namespaces, titles, redirects, texts, strict=True
    ):
        if namespace != 0 or redirect is not None:
            continue
        keep_ids.append(page_id)
        keep_titles.append(title)
        uses.append(extract_file_uses(text or "", prefixes))
    return _uses_table(keep_ids, keep_titles, uses)


def file_uses_from_records(pages: Iterable, prefixes: Sequence[str]) -> Iterator[pa.Table]:
    """Tables of file uses from ``Page`` records (a dump reader), a few thousand pages each."""
    ids, titles, uses = [], [], []
    for page in pages:
        if page.namespace != 0 or page.redirect is not None:
            continue
        ids.append(page.page_id)
        titles.append(page.title)
        uses.append(extract_file_uses(page.text or "", prefixes))
        if len(ids) >= _BATCH_PAGES:
            yield _uses_table(ids, titles, uses)
            ids, titles, uses = [], [], []
    if ids:
        yield _uses_table(ids, titles, uses)


@dataclass
class ImagelinksStats:
    """What reading ``imagelinks`` saw."""

    rows: int = 0
    from_other_namespaces: int = 0
    not_an_article: int = 0  # from a redirect or an unknown page
    unresolved_targets: int = 0  # il_target_id missing from linktarget, or not a file
    malformed_names: int = 0
    schema: str = ""


def _file_targets(linktarget: str | PathLike[str]) -> pl.DataFrame:
    """``lt_id`` -> file name for the File-namespace rows of a ``linktarget`` dump."""
    parts = []
    with SqlDump(linktarget, table="linktarget") as dump:
        for batch in dump.batches(["lt_id", "lt_namespace", "lt_title"]):
            frame = pl.DataFrame(batch)
            parts.append(
                frame.filter(pl.col("lt_namespace") == FILE_NAMESPACE).select(
                    pl.col("lt_id").alias("target_id"), pl.col("lt_title").alias("raw")
                )
            )
    if not parts:
        return pl.DataFrame(schema={"target_id": pl.Int64, "raw": pl.String})
    return pl.concat(parts)


def read_imagelinks(
    imagelinks: str | PathLike[str],
    articles: pl.DataFrame,
    linktarget: str | PathLike[str] | None = None,
) -> tuple[pa.Table, ImagelinksStats]:
    """The ``image_links`` rows of an ``imagelinks`` SQL dump, for the given articles.

    Args:
        imagelinks: The dump.
        articles: ``page_id``, ``page_title`` of the wiki's articles.
        linktarget: The ``linktarget`` dump, needed when ``imagelinks`` has ``il_target_id``
            (MediaWiki 1.45+) instead of ``il_to``.

    Raises:
        InputError: on malformed SQL, or a current-schema dump without its linktarget.
    """
    stats = ImagelinksStats()
    with SqlDump(imagelinks, table="imagelinks") as dump:
        names = dump.column_names
        has_namespace = "il_from_namespace" in names
        if "il_to" in names:
            stats.schema = "il_to"
            target_column = "il_to"
        elif "il_target_id" in names:
            stats.schema = "il_target_id"
            target_column = "il_target_id"
            if linktarget is None:
                raise InputError(
                    imagelinks,
                    "header",
                    "imagelinks uses il_target_id but the "
                    "landing zone has no linktarget dump to resolve it",
                )
        else:
            raise InputError(
                imagelinks,
                "header",
                f"imagelinks has neither il_to nor il_target_id (columns {names})",
            )
        wanted = ["il_from", target_column] + (["il_from_namespace"] if has_namespace else [])
        parts = []
        for batch in dump.batches(wanted):
            frame = pl.DataFrame(batch)
            stats.rows += frame.height
            if has_namespace:
                ns0 = frame.filter(pl.col("il_from_namespace") == 0)
                stats.from_other_namespaces += frame.height - ns0.height
                frame = ns0
            parts.append(
                frame.select(
                    pl.col("il_from").alias("page_id"), pl.col(target_column).alias("target")
                )
            )
    links = (
        pl.concat(parts)
        if parts
        else pl.DataFrame(
            schema={
                "page_id": pl.Int64,
                "target": pl.Int64 if stats.schema == "il_target_id" else pl.String,
            }
        )
    )
    if stats.schema == "il_target_id":
        targets = _file_targets(linktarget)  # type: ignore[arg-type]
        resolved = links.join(targets, left_on="target", right_on="target_id", how="left")
        stats.unresolved_targets = resolved.filter(pl.col("raw").is_null()).height
        links = resolved.filter(pl.col("raw").is_not_null()).select("page_id", pl.col("raw"))
    else:
        links = links.select("page_id", pl.col("target").alias("raw"))
    joined = links.join(articles.select("page_id", "page_title"), on="page_id", how="inner")
    stats.not_an_article = links.height - joined.height
    normalised = joined.with_columns(
        pl.col("raw").map_elements(normalize_file_name, return_dtype=pl.String).alias("image")
    )
    stats.malformed_names = normalised.filter(pl.col("image").is_null()).height
    table = (
        normalised.filter(pl.col("image").is_not_null())
        .unique(["page_id", "image"], keep="first")
        .sort("page_id", "image")
        .select(
            "page_id",
            "page_title",
            "image",
            pl.lit(None, pl.Int32).alias("position"),
            pl.lit("imagelinks").alias("origin"),
            pl.lit(None, pl.Boolean).alias("in_lead"),
            pl.lit(None, pl.Int32).alias("width"),
            pl.lit(None, pl.Int32).alias("height"),
        )
    )
    return table.to_arrow().cast(IMAGE_LINKS_SCHEMA), stats
