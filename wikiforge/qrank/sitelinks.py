"""From a Wikidata dump to the join table ``key -> entity``: one row per sitelink.

Workers each take a part of the dump (see ``wikiforge.wikidata.reader.map_dump_parts``), extract
the sitelinks of every item and write ``(key, qid)`` rows to a Parquet part; DuckDB then merges
the parts sorted by key, bounded in memory. Two sitelinks can fold to the same key (``Straße``
and ``Strasse`` on a case-sensitive wiki): the key then goes to the smallest entity id, so the
result is deterministic, and such keys are counted.
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

from wikiforge.mapreduce import MAX_SAMPLES, PartCounts, data_batch, stats_batch, with_stats
from wikiforge.qrank import keys
from wikiforge.wikidata.entities import EntityParseError, extract_sitelinks
from wikiforge.wikidata.reader import map_dump_parts, task_entities

SITELINKS_SCHEMA = pa.schema([("key", pa.string()), ("qid", pa.int64())])
_BATCH_ROWS = 100_000


@dataclass
class SitelinkStats(PartCounts):
    """Counts from reading a dump's sitelinks.

    Attributes:
        entities: Entities read.
        items_with_sitelinks: Items (Q-ids) with at least one usable sitelink.
        sitelinks: Sitelinks turned into keys.
        bad_entities: Entities that could not be parsed (skipped).
        non_items: Entities that are not Q items but have sitelinks (skipped).
        unknown_sites: Sitelinks whose site names no wiki (skipped).
        error_samples: The first few parse errors.
    """

    entities: int = 0
    items_with_sitelinks: int = 0
    sitelinks: int = 0
    bad_entities: int = 0
    non_items: int = 0
    unknown_sites: int = 0
    error_samples: list[str] = field(default_factory=list)


def parse_qid(entity_id: str) -> int | None:
    """The number of a Q-id (``Q42`` -> 42), or None if it is not a valid item id."""
    if len(entity_id) < 2 or entity_id[0] != "Q" or not entity_id[1:].isdigit():
        return None
    if entity_id[1] == "0":
        return None
    return int(entity_id[1:])


def sitelink_rows(
    entities: Iterator[bytes], stats: SitelinkStats, label: str = ""
) -> Iterator[tuple[str, int]]:
    """(key, qid) for every sitelink of every item, counting what is skipped in ``stats``."""
    for number, line in enumerate(entities, start=1):
        stats.entities += 1
        try:
            entity = extract_sitelinks(line)
        except EntityParseError as exc:
            stats.bad_entities += 1
            if len(stats.error_samples) < MAX_SAMPLES:
                stats.error_samples.append(f"{label} entity {number}: {exc}")
            continue
        if not entity.sitelinks:
            continue
        qid = parse_qid(entity.id)
        if qid is None:
            stats.non_items += 1
            continue
        used = 0
        for site, title in entity.sitelinks:
            key = keys.sitelink_key(site, title)
            if key is None:
                stats.unknown_sites += 1
                continue
            used += 1
            yield key, qid
        stats.sitelinks += used
        stats.items_with_sitelinks += 1 if used else 0


def write_sitelink_part(out_dir: str, entities: Iterator[bytes], label: str) -> SitelinkStats:
    """Handler for ``map_dump_parts``: write one part's (key, qid) rows to ``<label>.parquet``."""
    stats = SitelinkStats()
    path = Path(out_dir) / f"{label}.parquet"
    key_buf: list[str] = []
    qid_buf: list[int] = []
    with pq.ParquetWriter(path, SITELINKS_SCHEMA, compression="zstd") as writer:
        for key, qid in sitelink_rows(entities, stats, label):
            key_buf.append(key)
            qid_buf.append(qid)
            if len(key_buf) >= _BATCH_ROWS:
                writer.write_table(pa.table([key_buf, qid_buf], schema=SITELINKS_SCHEMA))
                key_buf, qid_buf = [], []
        if key_buf:
            writer.write_table(pa.table([key_buf, qid_buf], schema=SITELINKS_SCHEMA))
    return stats


@dataclass
class SitelinksResult:
    """The outcome of building the sitelinks table."""

    rows: int
    ambiguous_keys: int
    stats: SitelinkStats


def build_sitelinks(
    dump_path: str | os.PathLike,
    out_path: str | os.PathLike,
    work_dir: str | os.PathLike,
    workers: int = 2,
    memory_limit: str = "384MB",
) -> SitelinksResult:
    """Write the (key, qid) table of a Wikidata dump to Parquet, sorted by key, one row per key.

    Args:
        dump_path: ``.json.bz2`` (read in parallel parts), ``.json.gz`` or ``.json``.
        out_path: The Parquet file to write (appears only when complete).
        work_dir: Scratch space for the parts and DuckDB's spill files.
        workers: Worker processes.
        memory_limit: DuckDB's memory limit for the merge.
    """
    parts_dir = Path(work_dir) / "sitelink-parts"
    parts_dir.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(write_sitelink_part, str(parts_dir))
    part_stats = map_dump_parts(dump_path, handler, workers=workers)
    stats = SitelinkStats()
    for s in part_stats:
        stats.add(s)
    out_path = Path(out_path)
    tmp = out_path.with_name(out_path.name + ".tmp")
    con = duckdb.connect()
    try:
        con.execute(f"SET memory_limit='{memory_limit}'")
        con.execute(f"SET threads={max(1, workers)}")
        con.execute(f"SET temp_directory='{(Path(work_dir) / 'duckdb-spill').as_posix()}'")
        source = f"read_parquet('{(parts_dir / '*.parquet').as_posix()}')"
        con.execute(
            f"""COPY (SELECT key, MIN(qid)::BIGINT AS qid FROM {source}
                      GROUP BY key ORDER BY key)
                TO '{tmp.as_posix()}' (FORMAT parquet, COMPRESSION zstd)"""
        )
        rows, ambiguous = con.execute(
            f"""SELECT COUNT(*), COUNT(*) FILTER (WHERE n > 1)
                FROM (SELECT key, COUNT(DISTINCT qid) AS n FROM {source} GROUP BY key)"""
        ).fetchall()[0]
    finally:
        con.close()
    os.replace(tmp, out_path)
    for part in parts_dir.glob("*.parquet"):
        part.unlink()
    return SitelinksResult(rows=int(rows), ambiguous_keys=int(ambiguous), stats=stats)


# -- the same step as an engine map + SQL reduce (local process pool + DuckDB, or Spark) ------
#: Output of the map: (key, qid) rows plus one stats row per task.
SITELINKS_MAP_SCHEMA = with_stats(SITELINKS_SCHEMA)
#: The reduce, over the map's output as ``sitelink_rows``: one row per key, smallest entity.
SITELINKS_SQL = (
    "SELECT key, CAST(MIN(qid) AS BIGINT) AS qid FROM sitelink_rows WHERE stats IS NULL "
    "GROUP BY key ORDER BY key"
)
#: Keys two entities share (counted in the metadata).
AMBIGUOUS_SQL = (
    "SELECT CAST(COUNT(*) AS BIGINT) AS keys, "
    "CAST(COALESCE(SUM(CASE WHEN n > 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS ambiguous "
    "FROM (SELECT key, COUNT(DISTINCT qid) AS n FROM sitelink_rows WHERE stats IS NULL "
    "GROUP BY key) t"
)


def sitelinks_of_tasks(batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
    """Map: the (key, qid) rows of the dump parts named by a batch of tasks
    (``wikiforge.wikidata.reader.dump_part_tasks``), then each task's stats row.
    """
    for task in batch.to_pylist():
        stats = SitelinkStats()
        keys_buf: list[str] = []
        qids: list[int] = []
        for key, qid in sitelink_rows(task_entities(task), stats, f"part-{task['index']:04d}"):
            keys_buf.append(key)
            qids.append(qid)
            if len(keys_buf) >= _BATCH_ROWS:
                yield data_batch(SITELINKS_MAP_SCHEMA, {"key": keys_buf, "qid": qids})
                keys_buf, qids = [], []
        if keys_buf:
            yield data_batch(SITELINKS_MAP_SCHEMA, {"key": keys_buf, "qid": qids})
        yield stats_batch(SITELINKS_MAP_SCHEMA, {"task": task["task"], **stats.__dict__})


def sitelink_stats(parts: list[dict]) -> SitelinkStats:
    """Sum the stats rows of ``sitelinks_of_tasks`` (in task order)."""
    total = SitelinkStats()
    for part in parts:
        total.add(SitelinkStats(**{k: v for k, v in part.items() if k != "task"}))
    return total
