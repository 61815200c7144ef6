"""A map function for the engine tests, in a module light to import (worker processes and
Spark's Python workers import it by name).
"""

from __future__ import annotations

import pyarrow as pa

from wikiforge import mapreduce

SCHEMA = mapreduce.with_stats(pa.schema([("word", pa.string()), ("n", pa.int64())]))


def count_words(batch: pa.RecordBatch, *, minimum: int):
    """Words of at least ``minimum`` letters of each task's text, then the task's stats row."""
    for task in batch.to_pylist():
        words = [w for w in task["text"].split() if len(w) >= minimum]
        yield mapreduce.data_batch(SCHEMA, {"word": words, "n": [1] * len(words)})
        yield mapreduce.stats_batch(
            SCHEMA,
            {
                "task": task["task"],
                "skipped": len(task["text"].split()) - len(words),
                "samples": [task["text"][:5]],
            },
        )
