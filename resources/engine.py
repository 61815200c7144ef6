"""Engines: where a heavy step runs. ``local`` (default) or ``spark``; outputs are the same.

A heavy step is a per-record *map* (a pure, picklable function of a batch of rows, from the
``wikiforge`` library) followed by a relational *reduce* (SQL). The local engine runs the map in
a process pool, streaming in file order, and the SQL in DuckDB; the Spark engine runs the same
function through ``mapInArrow`` and the same SQL in Spark SQL, on whatever master the
``PySparkResource`` is configured with (``local[1]`` in tests, a cluster in production).
Both return something the storage IO manager publishes atomically: a ``TableStream`` (local) or
the Parquet files Spark wrote (``Artifacts``).
"""

from __future__ import annotations

import collections
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, Literal

import dagster as dg
from pydantic import PrivateAttr
import pyarrow as pa
import pyarrow.parquet as pq
from dagster_pyspark import LazyPySparkResource

from resources.storage import Artifacts, TableStream
from wikiforge.storage import StoredAsset, check_schema

BatchFn = Callable[[pa.RecordBatch], pa.RecordBatch | pa.Table]

DEFAULT_SPARK_CONFIG = {
    "spark.master": "local[2]",
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.memory": "2g",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


def _ordered_pool_map(
    fn: BatchFn, batches: Iterable[pa.RecordBatch], workers: int
) -> Iterator[pa.RecordBatch | pa.Table]:
    """Map batches in a process pool, yielding results in input order, a few batches in flight.

    The window keeps memory bounded: at most ``2 * workers`` batches are held at once.
    """
    if workers <= 1:
        yield from map(fn, batches)
        return
    window: collections.deque[Future] = collections.deque()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for batch in batches:
            window.append(pool.submit(fn, batch))
            if len(window) >= 2 * workers:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


def _empty_tolerant(results: Iterable[pa.RecordBatch | pa.Table], schema: pa.Schema):
    for result in results:
        if result.num_rows:
            yield result
    yield pa.Table.from_batches([], schema=schema)


class Engine(dg.ConfigurableResource):
    """Runs heavy steps locally (process pool + DuckDB) or on Spark, with the same results."""

    kind: Literal["local", "spark"] = "local"
    workers: int = max(1, min(2, os.cpu_count() or 1))
    duckdb_memory_limit: str = "2GB"
    #: Spark settings over DEFAULT_SPARK_CONFIG; ``spark.master`` names the cluster.
    spark_config: dict[str, str] = {}
    #: Where Spark executors write their output before it is published: a URL on the shared
    #: data root (``s3://bucket/data/.staging``) for a cluster; empty for a local data root
    #: (then the driver's and executors' filesystem must be the same, as with local[N]).
    spark_staging_url: str = ""
    _spark: LazyPySparkResource | None = PrivateAttr(default=None)

    @property
    def spark(self) -> LazyPySparkResource:
        """dagster-pyspark's resource; the session starts on first use (never for ``local``)."""
        if self._spark is None:
            self._spark = LazyPySparkResource(spark_config={**DEFAULT_SPARK_CONFIG, **self.spark_config})
        return self._spark

    def stop_spark(self) -> None:
        """Stop the Spark session if one was started."""
        if self._spark is not None and self._spark._spark_session is not None:  # noqa: SLF001
            self._spark.spark_session.stop()
            self._spark = None

    # -- map -------------------------------------------------------------------------------
    def map_batches(
        self,
        fn: BatchFn,
        source: StoredAsset,
        schema: pa.Schema,
        *,
        columns: list[str] | None = None,
        batch_size: int = 2_000,
    ) -> TableStream | Artifacts:
        """Apply ``fn`` to every batch of ``source``'s rows; the output has ``schema``."""
        if self.kind == "spark":
            return self._spark_map(fn, source, schema, columns)
        batches = source.iter_batches(batch_size=batch_size, columns=columns)
        results = _ordered_pool_map(fn, batches, self.workers)
        return TableStream(schema=schema, batches=_empty_tolerant(results, schema))

    def _spark_map(
        self, fn: BatchFn, source: StoredAsset, schema: pa.Schema, columns: list[str] | None
    ) -> Artifacts:
        from pyspark.sql.pandas.types import from_arrow_schema

        session = self.spark.spark_session
        frame = session.read.parquet(*source.parquet_uris())
        if columns:
            frame = frame.select(*columns)

        def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            for batch in batches:
                result = fn(batch)
                yield from (result.to_batches() if isinstance(result, pa.Table) else [result])

        out = frame.mapInArrow(run, from_arrow_schema(schema))
        return self._spark_write(out, schema)

    # -- reduce ----------------------------------------------------------------------------
    def sql(self, query: str, schema: pa.Schema, **tables: StoredAsset) -> TableStream | Artifacts:
        """Run one SQL query over stored tables (each available under its keyword name)."""
        if self.kind == "spark":
            session = self.spark.spark_session
            for name, stored in tables.items():
                session.read.parquet(*stored.parquet_uris()).createOrReplaceTempView(name)
            return self._spark_write(session.sql(query), schema)
        import duckdb

        con = duckdb.connect(config={"memory_limit": self.duckdb_memory_limit, "threads": self.workers})
        for name, stored in tables.items():
            files = ", ".join(f"'{p}'" for p in stored.parquet_paths())
            con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet([{files}])')
        reader = con.sql(query).to_arrow_reader(batch_size=64_000)

        def batches() -> Iterator[pa.RecordBatch]:
            try:
                for batch in reader:
                    yield batch.cast(schema) if batch.schema != schema else batch
            finally:
                con.close()

        return TableStream(schema=schema, batches=batches())

    def _spark_write(self, frame: Any, schema: pa.Schema) -> Artifacts:
        from pyspark.sql import functions as F
        from pyspark.sql.pandas.types import from_arrow_schema

        # Cast to the declared schema, as the local path does (Spark's length() is an int, ...).
        frame = frame.select(
            *[F.col(f.name).cast(f.dataType) for f in from_arrow_schema(schema).fields]
        )
        out = Artifacts()
        target = out.dir / "spark"
        if self.spark_staging_url:
            remote = f"{self.spark_staging_url.rstrip('/')}/spark-{uuid.uuid4().hex}"
            frame.write.mode("overwrite").parquet(remote)
            _fetch_parts(remote, target)
        else:
            frame.write.mode("overwrite").parquet(str(target))
        # Flatten Spark's output into the artifact directory; drop its marker files.
        rows = 0
        for index, part in enumerate(sorted(target.glob("part-*.parquet"))):
            final = out.dir / f"part-{index:05d}.parquet"
            part.rename(final)
            meta = pq.read_metadata(final)
            check_schema(pq.read_schema(final), schema, what=f"spark output {final.name}")
            rows += meta.num_rows
        for leftover in sorted(target.rglob("*"), reverse=True):
            leftover.unlink() if leftover.is_file() else leftover.rmdir()
        target.rmdir()
        out.rows = rows
        return out


def _fetch_parts(url: str, target: Path) -> None:
    """Copy Spark's part files from a remote staging URL to a local directory, then delete them."""
    import fsspec

    fs, base = fsspec.core.url_to_fs(url)
    target.mkdir(parents=True, exist_ok=True)
    for path in fs.glob(f"{base.rstrip('/')}/part-*.parquet"):
        fs.get_file(path, str(target / path.rsplit("/", 1)[-1]))
    fs.rm(base, recursive=True)


def local_engine() -> Engine:
    return Engine(kind="local")


__all__ = ["DEFAULT_SPARK_CONFIG", "Engine", "local_engine", "Path"]
