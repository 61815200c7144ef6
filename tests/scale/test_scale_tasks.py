"""The pieces the engines share: dump parts as tasks (each line in exactly one task), the
stats-row convention, and the local engine's staged maps and SQL.
"""

from __future__ import annotations

import bz2
import functools
import random
from pathlib import Path

import pyarrow as pa
import pytest

from resources.engine import Engine, Staged
from tests.conftest import SAMPLE_DUMPS
from tests.scale.maps import SCHEMA, count_words
from wikiforge import mapreduce
from wikiforge.wikidata.reader import dump_part_tasks, iter_entities, task_entities

WIKIDATA_DUMP = next((SAMPLE_DUMPS / "wikidatawiki").rglob("*.json.bz2"))


def _all_task_entities(path: Path, parts: int) -> list[bytes]:
    return [e for task in dump_part_tasks(path, parts) for e in task_entities(task)]


@pytest.mark.parametrize("parts", [1, 3, 8, 40])
def test_dump_parts_hold_every_entity_once(parts):
    assert _all_task_entities(WIKIDATA_DUMP, parts) == list(iter_entities(WIKIDATA_DUMP))


def test_lines_longer_than_a_part_and_parts_ending_on_a_newline(tmp_path):
    """Level-1 bzip2 blocks are 100 kB: lines of up to 400 kB leave whole parts without a
    newline, and many short lines put part boundaries right after a newline.
    """
    rng = random.Random(5)
    lines = [b"["]
    for number in range(60):
        size = rng.choice([10, 200, 150_000, 400_000])
        body = bytes(rng.choice(b"abcdefghij") for _ in range(16)) * (size // 16)
        lines.append(b'{"id":"Q%d","x":"%s"},' % (number, body))
    lines.append(b"]")
    path = tmp_path / "wikidata-20200101-all.json.bz2"
    path.write_bytes(bz2.compress(b"\n".join(lines) + b"\n", 1))
    expected = list(iter_entities(path))
    assert len(expected) == 60
    for parts in (2, 7, 50):
        assert _all_task_entities(path, parts) == expected


def test_gzip_dump_is_one_task(tmp_path):
    import gzip

    path = tmp_path / "wikidata-20200101-all.json.gz"
    path.write_bytes(gzip.compress(b'[\n{"id":"Q1"},\n{"id":"Q2"}\n]\n'))
    tasks = dump_part_tasks(path, 8)
    assert len(tasks) == 1
    assert list(task_entities(tasks[0])) == [b'{"id":"Q1"}', b'{"id":"Q2"}']


def test_local_engine_stages_maps_and_reduces_in_sql(tmp_path):
    tasks = mapreduce.task_table({"text": f"a bb ccc dddd {i} ee"} for i in range(9))
    engine = Engine(kind="local", workers=2)
    fn = functools.partial(count_words, minimum=2)
    with engine.stage(fn, tasks, SCHEMA) as staged:
        assert isinstance(staged, Staged) and len(staged.paths) == 9
        counted = engine.sql_table(
            "SELECT word, CAST(SUM(n) AS BIGINT) AS n FROM words WHERE stats IS NULL "
            "GROUP BY word ORDER BY word",
            pa.schema([("word", pa.string()), ("n", pa.int64())]),
            words=staged,
        )
        stats = engine.stats_of(staged)
        rows = engine.sql_to_parquet(
            "SELECT word FROM words WHERE stats IS NULL ORDER BY word",
            pa.schema([("word", pa.string())]),
            tmp_path / "w.parquet",
            words=staged,
        )
    assert counted.to_pylist() == [{"word": w, "n": 9} for w in ("bb", "ccc", "dddd", "ee")]
    assert [s["task"] for s in stats] == list(range(9))
    assert mapreduce.merge_stats(stats) == {"skipped": 18, "samples": ["a bb "] * 5}
    assert rows == 36
    assert not staged.paths[0].exists()  # intermediates are removed on exit


def test_in_process_map_gives_the_same_rows(tmp_path):
    tasks = mapreduce.task_table({"text": f"x{i} yy zzz"} for i in range(5))
    fn = functools.partial(count_words, minimum=3)
    engine = Engine(kind="local", workers=2)
    query = "SELECT word FROM t WHERE stats IS NULL ORDER BY word"
    schema = pa.schema([("word", pa.string())])
    with engine.stage(fn, tasks, SCHEMA, parallel=False) as inline:
        one = engine.sql_table(query, schema, t=inline)
    with engine.stage(fn, tasks, SCHEMA) as pooled:
        two = engine.sql_table(query, schema, t=pooled)
    assert one.equals(two) and one.num_rows == 5


@pytest.mark.spark
def test_spark_through_a_staging_url(tmp_path, spark_engine):
    """With a staging URL (what a remote data root sets), Spark's intermediates and results go
    through fsspec: written under the URL, listed and read back by URL, then removed.
    """
    engine = Engine(
        kind="spark",
        spark_config=spark_engine.spark_config,
        spark_staging_url=f"file://{tmp_path}/.staging",
    )
    tasks = mapreduce.task_table({"text": f"a bb ccc {i}"} for i in range(3))
    fn = functools.partial(count_words, minimum=2)
    schema = pa.schema([("word", pa.string())])
    with engine.stage(fn, tasks, SCHEMA) as staged:
        assert staged.uris and all(u.startswith("file://") for u in staged.uris)
        rows = engine.sql_to_parquet(
            "SELECT word FROM words WHERE stats IS NULL ORDER BY word",
            schema,
            tmp_path / "w.parquet",
            words=staged,
        )
        listed = engine.sql_table(
            "SELECT word FROM words WHERE stats IS NULL ORDER BY word", schema, words=staged
        )
        stats = engine.stats_of(staged)
    assert rows == 6 and listed.column("word").to_pylist() == ["bb"] * 3 + ["ccc"] * 3
    assert sorted(s["task"] for s in stats) == [0, 1, 2]
    assert list((tmp_path / ".staging").iterdir()) == []
