"""The engine resource: the same map and SQL give the same rows locally and on Spark."""

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from resources.engine import Engine, _ordered_pool_map
from resources.storage import Artifacts, TableStream
from wikiforge.storage import DataRoot, describe_files, write_parquet

IN_SCHEMA = pa.schema([("page_id", pa.int64()), ("title", pa.string())])
OUT_SCHEMA = pa.schema([("page_id", pa.int64()), ("title_length", pa.int64())])


def title_lengths(batch: pa.RecordBatch) -> pa.Table:
    """A pure per-record map, as the library's heavy steps are."""
    return pa.table(
        {
            "page_id": batch.column("page_id"),
            "title_length": pc.utf8_length(batch.column("title")).cast(pa.int64()),
        },
        schema=OUT_SCHEMA,
    )


def _stored_pages(tmp_path, n=5_000):
    root = DataRoot(tmp_path / "data")
    staged = root.staging()
    table = pa.table(
        {"page_id": list(range(n)), "title": [f"Page {i}" for i in range(n)]}, schema=IN_SCHEMA
    )
    write_parquet(staged, table, IN_SCHEMA, what="pages")
    return root.publish("pages", "xxwiki", staged, {"files": describe_files(staged), "rows": n})


def _rows(result) -> list[dict]:
    if isinstance(result, TableStream):
        table = pa.Table.from_batches(
            [
                b
                for t in result.batches
                for b in (t.to_batches() if isinstance(t, pa.Table) else [t])
            ],
            schema=result.schema,
        )
    else:
        assert isinstance(result, Artifacts)
        import pyarrow.parquet as pq

        table = pa.concat_tables(pq.read_table(p) for p in sorted(result.dir.glob("*.parquet")))
    return sorted(table.to_pylist(), key=lambda r: tuple(r.values()))


def test_ordered_pool_map_keeps_input_order():
    batches = [
        pa.record_batch({"page_id": [i], "title": ["x" * i]}, schema=IN_SCHEMA) for i in range(20)
    ]
    out = list(_ordered_pool_map(title_lengths, batches, workers=2))
    assert [t.column("page_id")[0].as_py() for t in out] == list(range(20))


def test_local_map_and_sql(tmp_path):
    stored = _stored_pages(tmp_path)
    engine = Engine(kind="local", workers=2)
    rows = _rows(engine.map_batches(title_lengths, stored, OUT_SCHEMA, batch_size=700))
    assert len(rows) == 5_000 and rows[12] == {"page_id": 12, "title_length": 7}
    summary = _rows(
        engine.sql(
            "SELECT length(title)::BIGINT AS title_length, count(*)::BIGINT AS pages FROM pages GROUP BY 1",
            pa.schema([("title_length", pa.int64()), ("pages", pa.int64())]),
            pages=stored,
        )
    )
    assert {r["title_length"]: r["pages"] for r in summary} == {6: 10, 7: 90, 8: 900, 9: 4000}


@pytest.mark.spark
def test_spark_gives_the_same_rows_as_local(tmp_path, spark_engine):
    stored = _stored_pages(tmp_path, n=1_000)
    local = _rows(Engine(kind="local").map_batches(title_lengths, stored, OUT_SCHEMA))
    spark = _rows(spark_engine.map_batches(title_lengths, stored, OUT_SCHEMA))
    assert spark == local
    query = "SELECT page_id, length(title) AS title_length FROM pages WHERE page_id % 7 = 0"
    spark_sql = _rows(spark_engine.sql(query, OUT_SCHEMA, pages=stored))
    local_sql = _rows(
        Engine(kind="local").sql(
            "SELECT page_id, length(title)::BIGINT AS title_length FROM pages WHERE page_id % 7 = 0",
            OUT_SCHEMA,
            pages=stored,
        )
    )
    assert spark_sql == local_sql


@pytest.mark.spark
def test_side_directory_archives_outlive_the_step(tmp_path, spark_engine):
    """An executor that joins later (a lost worker replaced) fetches every archive added to the
    session from the driver: the archive must stay after the step removed its directory (a
    cluster run failed with "Stream '/files/index-....tar' was not found" when it did not).
    """
    from urllib.parse import urlparse

    side = tmp_path / "step" / f"side-{tmp_path.name}"
    side.mkdir(parents=True)
    (side / "data.txt").write_text("kept")
    location = spark_engine.side_directory(side)
    shutil.rmtree(tmp_path / "step")
    name = f"{side.name}.tar"
    assert location.endswith(name), location
    archives = spark_engine.spark.spark_session.sparkContext.listArchives
    served = [Path(urlparse(uri).path) for uri in archives]
    assert any(p.name == name and p.exists() for p in served), (served, name)
