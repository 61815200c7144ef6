"""From a Wikidata dump to the join table ``key -> entity``: one row per sitelink.

The ``sitelinks`` step (``assets.qrank.sitelinks.write_sitelinks``) maps ``sitelinks_of_tasks``
over the parts of the dump (``wikiforge.wikidata.reader.dump_part_tasks``), each extracting the
``(key, qid)`` rows of its items, and reduces them with ``SITELINKS_SQL``, sorted by key and
bounded in memory. Two sitelinks can fold to the same key (``Straße`` and ``Strasse`` on a
case-sensitive wiki): the key then goes to the smallest entity id, so the result is
deterministic, and such keys are counted (``AMBIGUOUS_SQL``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pyarrow as pa

from wikiforge.mapreduce import MAX_SAMPLES, PartCounts, data_batch, stats_batch, with_stats
from wikiforge.qrank import keys
from wikiforge.wikidata.entities import EntityParseError, extract_sitelinks
from wikiforge.wikidata.reader import task_entities

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


# -- the step on the engine (assets/qrank/sitelinks.py): a map per dump part, a SQL reduce ----
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
