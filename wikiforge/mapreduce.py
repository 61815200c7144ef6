"""Helpers shared by the map functions of heavy steps and by the engines that run them.

A heavy step is a pure per-batch *map* (a picklable top-level function, or a
``functools.partial`` of one) followed by a *reduce* in SQL. The engines (``resources/engine.py``)
run the map in a local process pool or in Spark's ``mapInArrow``; this module holds what both
sides need without importing Dagster or Spark:

* ``task_table``: a small table of tasks (files, parts of a file) to map over, one call per row,
  for steps that read raw landing-zone files rather than a published table.
* The *stats row* convention: a map's output schema ends with a nullable ``stats`` string
  column. Data rows leave it null; each call may add one row whose data columns are null and
  whose ``stats`` is a JSON object of counters (skipped records, ...). The reduce SQL filters
  ``stats IS NULL``; the driver reads the stats rows back and sums them with ``merge_stats``.
* *Side directories*: read-only files the driver wrote for every call to read (a compiled
  index). ``Engine.side_directory`` gives the map a location; ``side_directory`` turns it into
  a local path in the worker (the same path locally; on Spark the directory is shipped to every
  executor with ``SparkContext.addFile``).
* ``write_map_part``: run a map on one batch and write its output as one Parquet file (what
  each local worker process does, so outputs never travel through the parent process).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Self

import pyarrow as pa
import pyarrow.parquet as pq

STATS_COLUMN = "stats"
#: Samples of bad input a step keeps for its metadata (the first ones met, in input order).
MAX_SAMPLES = 5
#: Location prefix of a side directory shipped to Spark executors (``Engine.side_directory``).
SPARK_FILES = "spark-files:"


def with_stats(schema: pa.Schema) -> pa.Schema:
    """``schema`` plus the nullable ``stats`` column of the stats-row convention."""
    return schema.append(pa.field(STATS_COLUMN, pa.string()))


def data_batch(schema: pa.Schema, columns: Mapping[str, Any]) -> pa.RecordBatch:
    """A batch of data rows for a map output ``schema`` that ends with ``stats`` (left null)."""
    names = [n for n in schema.names if n != STATS_COLUMN]
    rows = len(columns[names[0]]) if names else 0
    arrays = [_as_array(columns[n], schema.field(n).type) for n in names]
    arrays.append(pa.nulls(rows, pa.string()))
    return pa.RecordBatch.from_arrays(arrays, schema=nullable(schema))


def _as_array(values: Any, type_: pa.DataType) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values if values.type == type_ else values.cast(type_)
    return pa.array(values, type_)


def stats_batch(schema: pa.Schema, stats: Mapping[str, Any]) -> pa.RecordBatch:
    """One stats row: data columns null, ``stats`` the counters as JSON."""
    arrays = [pa.nulls(1, f.type) for f in schema if f.name != STATS_COLUMN]
    arrays.append(pa.array([json.dumps(dict(stats), sort_keys=True)], pa.string()))
    return pa.RecordBatch.from_arrays(arrays, schema=nullable(schema))


def side_directory(location: str) -> str:
    """The local path of a side directory given to a map by ``Engine.side_directory``."""
    if location.startswith(SPARK_FILES):
        from pyspark import SparkFiles

        return SparkFiles.get(location[len(SPARK_FILES) :])
    return location


def nullable(schema: pa.Schema) -> pa.Schema:
    """``schema`` with every field nullable (a staged map output holds stats rows)."""
    return pa.schema([f.with_nullable(True) for f in schema])


def read_stats(rows: Iterable[str | None]) -> list[dict[str, Any]]:
    """The stats objects of a map's stats rows, ordered by their ``task`` number when they have
    one (engines return rows in no particular order).
    """
    found = [json.loads(r) for r in rows if r]
    return sorted(found, key=lambda s: (s.get("task", 0), json.dumps(s, sort_keys=True)))


def merge_stats(parts: Iterable[Mapping[str, Any]], max_samples: int = 5) -> dict[str, Any]:
    """Sum counters of several stats objects; lists (samples) are concatenated up to a cap."""
    total: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if key == "task":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float, list)):
                total.setdefault(key, value)
            elif isinstance(value, list):
                room = max_samples - len(total.setdefault(key, []))
                total[key].extend(value[: max(0, room)])
            else:
                total[key] = total.get(key, 0) + value
    return total


def task_table(rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """A table of tasks (one map call per row), numbered by a first column ``task``."""
    listed = [{"task": number, **row} for number, row in enumerate(rows)]
    return pa.Table.from_pylist(listed)


def as_batches(result: Any) -> Iterator[pa.RecordBatch]:
    """A map's return value (a batch, a table, or an iterator of either) as record batches."""
    if isinstance(result, pa.RecordBatch):
        yield result
    elif isinstance(result, pa.Table):
        yield from result.to_batches()
    else:
        for item in result:
            yield from as_batches(item)


def write_map_part(fn: Any, schema: pa.Schema, batch: pa.RecordBatch, path: str) -> int:
    """Apply ``fn`` to ``batch`` and write the output as one Parquet file (always written, maybe
    empty, so a reader always finds every part). Returns the rows written.
    """
    rows = 0
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    with pq.ParquetWriter(tmp, schema, compression="snappy") as writer:
        for out in as_batches(fn(batch)):
            if out.num_rows:
                if out.schema != schema:
                    out = out.cast(schema)
                writer.write_batch(out)
                rows += out.num_rows
    tmp.replace(target)
    return rows


# One map function per worker process, set once by the pool's initializer (so a large partial,
# such as an anchor matcher, is pickled once per worker, not once per batch).
_WORKER_FN: Any = None
_WORKER_SCHEMA: pa.Schema | None = None


def init_worker(fn: Any, schema: pa.Schema | None) -> None:
    """Pool initializer: remember the map function and its output schema."""
    global _WORKER_FN, _WORKER_SCHEMA
    _WORKER_FN, _WORKER_SCHEMA = fn, schema


def worker_task(args: tuple[pa.RecordBatch, str]) -> int:
    """Pool task: map one batch with the worker's function and write it to the given path."""
    batch, path = args
    return write_map_part(_WORKER_FN, _WORKER_SCHEMA, batch, path)


def worker_apply(batch: pa.RecordBatch) -> Any:
    """Pool task: the worker's map function applied to one batch (its result sent back)."""
    return _WORKER_FN(batch)


class PartCounts:
    """Base of a step's counters dataclass: every int field counts something, every list field
    holds samples of bad input; the counts of the parts of an input add up.
    """

    def add(self, other: PartCounts) -> None:
        """Add another part's counts, and its samples while fewer than ``MAX_SAMPLES`` are kept."""
        for name in self.__dataclass_fields__:  # type: ignore[attr-defined]  # set by @dataclass
            mine = getattr(self, name)
            if isinstance(mine, list):
                mine.extend(getattr(other, name)[: max(0, MAX_SAMPLES - len(mine))])
            else:
                setattr(self, name, mine + getattr(other, name))

    @classmethod
    def sum_of_rows(cls, rows: Iterable[Mapping[str, Any]]) -> Self:
        """The sum of a map's stats rows (``Engine.stats_of``, in task order): each row holds
        one task's counts as this class's fields, plus its ``task`` number.
        """
        total = cls()
        for row in rows:
            total.add(cls(**{k: v for k, v in row.items() if k != "task"}))
        return total
