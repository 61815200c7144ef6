"""The claims image suggestions need from a Wikidata dump: P31, P18 and P373 of each item.

The dump is read in parallel parts (``wikiforge.wikidata.reader.map_dump_parts``); each worker
writes its rows to a Parquet part and DuckDB merges them sorted by item number. Only items with
a sitelink or a Commons category are kept (an item no wiki links to cannot be suggested for,
but its P373 still counts towards "a category shared by more than 99 items").
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from wikiforge.images.files import normalize_category, normalize_file_name
from wikiforge.images.tables import ITEM_IMAGES_SCHEMA
from wikiforge.mapreduce import MAX_SAMPLES, PartCounts
from wikiforge.qrank.sitelinks import parse_qid
from wikiforge.wikidata.entities import EntityParseError, extract_claims, extract_sitelinks
from wikiforge.wikidata.reader import map_dump_parts

_BATCH_ROWS = 50_000


@dataclass
class ClaimStats(PartCounts):
    """Counts from reading claims: entities, kept items, values skipped."""

    entities: int = 0
    items: int = 0
    with_image: int = 0
    with_commons_category: int = 0
    bad_entities: int = 0
    malformed_images: int = 0
    malformed_categories: int = 0
    error_samples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The counts as a plain dict (for the asset's metadata)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def claim_rows(entities: Iterator[bytes], stats: ClaimStats, label: str = "") -> Iterator[tuple]:
    """(item, instance_of, image, commons_category, sitelinks) for every kept item."""
    for number, line in enumerate(entities, start=1):
        stats.entities += 1
        try:
            claims = extract_claims(line)
            sitelinks = len(extract_sitelinks(line).sitelinks)
        except EntityParseError as exc:
            stats.bad_entities += 1
            if len(stats.error_samples) < MAX_SAMPLES:
                stats.error_samples.append(f"{label} entity {number}: {exc}")
            continue
        if parse_qid(claims.id) is None:
            continue  # properties, lexemes
        images = []
        for raw in claims.image:
            name = normalize_file_name(raw)
            if name is None:
                stats.malformed_images += 1
            elif name not in images:
                images.append(name)
        categories = []
        for raw in claims.commons_category:
            name = normalize_category(raw)
            if name is None:
                stats.malformed_categories += 1
            elif name not in categories:
                categories.append(name)
        if not sitelinks and not categories:
            continue
        stats.items += 1
        stats.with_image += bool(images)
        stats.with_commons_category += bool(categories)
        yield claims.id, list(dict.fromkeys(claims.instance_of)), images, categories, sitelinks


def write_claims_part(out_dir: str, entities: Iterator[bytes], label: str) -> ClaimStats:
    """Handler for ``map_dump_parts``: write one part's rows to ``<label>.parquet``."""
    stats = ClaimStats()
    path = Path(out_dir) / f"{label}.parquet"
    buffer: list[tuple] = []

    def flush(writer: pq.ParquetWriter) -> None:
        columns = list(zip(*buffer, strict=True))
        writer.write_table(
            pa.table(
                [
                    pa.array(values, type=f.type)
                    for values, f in zip(columns, ITEM_IMAGES_SCHEMA, strict=True)
                ],
                schema=ITEM_IMAGES_SCHEMA,
            )
        )
        buffer.clear()

    with pq.ParquetWriter(path, ITEM_IMAGES_SCHEMA, compression="zstd") as writer:
        for row in claim_rows(entities, stats, label):
            buffer.append(row)
            if len(buffer) >= _BATCH_ROWS:
                flush(writer)
        if buffer:
            flush(writer)
    return stats


def build_item_images(
    dump_path: str | os.PathLike,
    out_path: str | os.PathLike,
    work_dir: str | os.PathLike,
    workers: int = 2,
    memory_limit: str = "384MB",
) -> tuple[int, ClaimStats]:
    """Write the ``item_images`` table of a Wikidata dump, sorted by item number.

    Returns:
        The number of rows and the reading counts. An item a dump lists twice keeps one row,
        chosen by content (most sitelinks, then most images, then the values' text), so the
        result does not depend on how the dump was split.
    """
    parts_dir = Path(work_dir) / "claim-parts"
    parts_dir.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(write_claims_part, str(parts_dir))
    stats = ClaimStats()
    for part in map_dump_parts(dump_path, handler, workers=workers):
        stats.add(part)
    out_path = Path(out_path)
    tmp = out_path.with_name(out_path.name + ".tmp")
    source = f"read_parquet('{(parts_dir / '*.parquet').as_posix()}')"
    rows = 0
    with duckdb.connect() as con:
        con.execute(f"SET memory_limit='{memory_limit}'")
        con.execute(f"SET threads={max(1, workers)}")
        con.execute(f"SET temp_directory='{(Path(work_dir) / 'duckdb-spill').as_posix()}'")
        reader = con.sql(
            f"""SELECT item, instance_of, image, commons_category, sitelinks
                FROM {source}
                QUALIFY row_number() OVER (PARTITION BY item
                    ORDER BY sitelinks DESC, len(image) DESC, image::VARCHAR,
                             instance_of::VARCHAR, commons_category::VARCHAR) = 1
                ORDER BY CAST(substr(item, 2) AS BIGINT)"""
        ).to_arrow_reader(batch_size=_BATCH_ROWS)
        # DuckDB's own list field names and nullability differ: cast to the declared schema
        # batch by batch (bounded memory).
        with pq.ParquetWriter(tmp, ITEM_IMAGES_SCHEMA, compression="zstd") as writer:
            for batch in reader:
                writer.write_batch(batch.cast(ITEM_IMAGES_SCHEMA))
                rows += batch.num_rows
    os.replace(tmp, out_path)
    for leftover in parts_dir.glob("*.parquet"):
        leftover.unlink()
    return int(rows), stats
