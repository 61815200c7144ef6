"""Engines: where a heavy step runs. ``local`` (default) or ``spark``; outputs are the same.

A heavy step is a per-record *map* (a pure, picklable function of a batch of rows, from the
``wikiforge`` library) followed by a relational *reduce* (SQL). The local engine runs the map in
a process pool, streaming in file order, and the SQL in DuckDB; the Spark engine runs the same
function through ``mapInArrow`` and the same SQL in Spark SQL, on whatever master the
``PySparkResource`` is configured with (``local[1]`` in tests, a cluster in production).
Both return something the storage IO manager publishes atomically: a ``TableStream`` (local) or
the Parquet files Spark wrote (``Artifacts``).

Steps with a reduce, or whose driver writes its own files, use the intermediate API:

* ``stage(fn, source, schema)``: run a map and keep its output as a ``Staged`` table for SQL
  (local: each worker process writes its own Parquet part; Spark: ``mapInArrow`` written under
  the shared staging location). ``source`` is a published table, another ``Staged`` table, or a
  task table (``wikiforge.mapreduce.task_table``: one call per row, for raw landing-zone files
  such as the days of a month or the parts of a bzip2 dump);
* ``staged_sql``: a SQL result kept as a ``Staged`` table;
* ``iter_sql`` / ``sql_table``: a result streamed (in order) to this process;
* ``sql_to_parquet``: a result as one zstd Parquet file (DuckDB's COPY, or Spark's parts
  concatenated in order), for steps whose consumers read a single file;
* ``stats_of``: the counters a map reported in its stats rows.

A query is one text, or ``{"duckdb": ..., "spark": ...}`` where the dialects differ.
"""

from __future__ import annotations

import atexit
import collections
import multiprocessing
import os
import shutil
import sys
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
from dagster_pyspark import LazyPySparkResource
from pydantic import PrivateAttr

from resources.storage import Artifacts, TableStream
from wikiforge import mapreduce
from wikiforge.storage import StoredAsset, check_schema

BatchFn = Callable[[pa.RecordBatch], pa.RecordBatch | pa.Table]
#: One SQL text for both engines, or one per engine: ``{"duckdb": ..., "spark": ...}`` where
#: the dialects differ.
Query = str | Mapping[str, str]

#: DuckDB memory limits of the steps whose SQL must stay below the engine-wide limit (asset
#: name -> limit; DuckDB spills to disk beyond it). Each runs beside its map's worker processes
#: or would otherwise grow with its input:
STEP_MEMORY_LIMITS = {
    # The join spills rather than growing with the wiki (a 384 MB cap made the step's peak grow
    # 541 -> 804 MiB from 50 to 500 MB of XML; 128 MB: 538 -> 553).
    "links": "128MB",
    # The sort spills, so memory stays flat.
    "sentences": "256MB",
    "wikidata_p31": "256MB",
    "pageviews_month": "384MB",
    "qviews": "384MB",
    # Also caps the ambiguity count, whose hash table was the step's peak uncapped (893 MiB in
    # the step's process at 50,000 entities).
    "sitelinks": "384MB",
}

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

    The window keeps memory bounded: at most ``2 * workers`` batches are held at once. The
    function is sent once per worker (pool initializer), not with every batch: a map's partial
    often carries tables that grow with the input (a wiki's article titles and redirects), and
    pickling them per batch would make the step's time grow with input size squared.
    """
    if workers <= 1:
        yield from map(fn, batches)
        return
    with _fork_server_pool(fn, None, workers) as pool:
        yield from _in_order(pool, mapreduce.worker_apply, batches, workers)


def _empty_tolerant(results: Iterable[pa.RecordBatch | pa.Table], schema: pa.Schema):
    for result in results:
        if result.num_rows:
            yield result
    yield pa.Table.from_batches([], schema=schema)


@dataclass
class Staged:
    """Parquet files an engine wrote as an intermediate result of a step (never published).

    Usable wherever a ``StoredAsset`` is a SQL input (``parquet_paths``/``parquet_uris``).
    ``paths`` are local files (the local engine, or Spark on a local filesystem); ``uris`` are
    what Spark reads (the same paths, or URLs under the shared staging location).
    """

    paths: list[Path]
    uris: list[str] = field(default_factory=list)

    def parquet_paths(self) -> list[Path]:
        """The local Parquet files."""
        return list(self.paths)

    def parquet_uris(self) -> list[str]:
        """What Spark reads: the URLs, else the local paths."""
        return list(self.uris) or [str(p) for p in self.paths]

    def iter_batches(
        self, batch_size: int = 64_000, columns: list[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        """Record batches in file order (local files only; not pre-buffered, which would keep
        every chunk read until the end, see ``StoredAsset.iter_batches``).
        """
        for path in self.paths:
            yield from pq.ParquetFile(path, pre_buffer=False).iter_batches(
                batch_size=batch_size, columns=columns
            )


def _task_batches(tasks: pa.Table) -> Iterator[pa.RecordBatch]:
    """One batch per task row (a task table is small: files or parts of files)."""
    for index in range(tasks.num_rows):
        yield from tasks.slice(index, 1).combine_chunks().to_batches()


@contextmanager
def _main_script_hidden() -> Iterator[None]:
    """Hide the main script's path while workers start: a fork-server or spawned worker would
    otherwise run the whole script again (the Dagster or pytest command: seconds of imports in
    every worker). Workers import map functions by module name and never need the script.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or path is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


def _windowed_pool(
    fn: BatchFn, schema: pa.Schema, jobs: Iterable[tuple[pa.RecordBatch, str]], workers: int
) -> int:
    """Run ``write_map_part`` over jobs in ``workers`` processes, a few jobs in flight."""
    if workers <= 1:
        return sum(mapreduce.write_map_part(fn, schema, batch, path) for batch, path in jobs)
    with _fork_server_pool(fn, schema, workers) as pool:
        return sum(_in_order(pool, mapreduce.worker_task, jobs, workers))


@contextmanager
def _fork_server_pool(fn: BatchFn, schema: pa.Schema | None, workers: int) -> Iterator[Any]:
    """A process pool whose workers hold ``fn`` (sent once, by the pool initializer).

    Workers come from a fork server (a clean single-threaded process started once per process,
    with the map helpers preloaded): not forked from this process, which may hold threads
    (polars, DuckDB) that a fork would copy in a locked state.
    """
    context = multiprocessing.get_context("forkserver")
    # (pyarrow imports pandas on first use; polars is what most maps use)
    context.set_forkserver_preload(["wikiforge.mapreduce", "pyarrow.parquet", "pandas", "polars"])
    with (
        _main_script_hidden(),
        ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=mapreduce.init_worker,
            initargs=(fn, schema),
        ) as pool,
    ):
        yield pool


def _in_order(
    pool: Any, task: Callable[[Any], Any], items: Iterable[Any], workers: int
) -> Iterator[Any]:
    """``task`` over ``items`` in the pool, results in input order, ``2 * workers`` in flight."""
    window: collections.deque[Future] = collections.deque()
    for item in items:
        window.append(pool.submit(task, item))
        if len(window) >= 2 * workers:
            yield window.popleft().result()
    while window:
        yield window.popleft().result()


class Engine(dg.ConfigurableResource):
    """Runs heavy steps locally (process pool + DuckDB) or on Spark, with the same results."""

    kind: Literal["local", "spark"] = "local"
    workers: int = max(1, min(2, os.cpu_count() or 1))
    #: DuckDB memory limit of a step's SQL unless ``step_memory_limits`` names the step.
    duckdb_memory_limit: str = "2GB"
    #: Per-step DuckDB memory limits, by asset name (see STEP_MEMORY_LIMITS).
    step_memory_limits: dict[str, str] = dict(STEP_MEMORY_LIMITS)
    #: Spark settings over DEFAULT_SPARK_CONFIG; ``spark.master`` names the cluster.
    spark_config: dict[str, str] = {}
    #: Where Spark executors write their output before it is published: a URL on the shared
    #: data root (``s3://bucket/data/.staging``) for a cluster; empty for a local data root
    #: (then the driver's and executors' filesystem must be the same, as with local[N]).
    spark_staging_url: str = ""
    _spark: LazyPySparkResource | None = PrivateAttr(default=None)
    _spark_files: Path | None = PrivateAttr(default=None)

    @property
    def spark(self) -> LazyPySparkResource:
        """dagster-pyspark's resource; the session starts on first use (never for ``local``)."""
        if self._spark is None:
            # Executors run the maps with this Python (pyspark sends its path with every task;
            # without it, `python3` on the executors' PATH): set PYSPARK_PYTHON where the
            # cluster's Python differs.
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            self._spark = LazyPySparkResource(
                spark_config={**DEFAULT_SPARK_CONFIG, **self.spark_config}
            )
        return self._spark

    def stop_spark(self) -> None:
        """Stop the Spark session if one was started."""
        if self._spark is not None and self._spark._spark_session is not None:  # noqa: SLF001
            self._spark.spark_session.stop()
            self._spark = None
        if self._spark_files is not None:
            shutil.rmtree(self._spark_files, ignore_errors=True)
            self._spark_files = None

    # -- map -------------------------------------------------------------------------------
    def side_directory(self, directory: Path) -> str:
        """A location for map functions to find a read-only directory this process wrote
        (``wikiforge.mapreduce.side_directory`` resolves it in the worker): its path locally;
        on Spark the directory is shipped to every executor as an uncompressed tar archive
        (``SparkContext.addArchive``; ``addFile`` of a directory works on a local master only),
        unpacked once per executor, so its name must be unique in the session.
        """
        if self.kind != "spark":
            return str(directory)
        directory = Path(directory)
        # The archive must outlive the step: an executor that joins later (a lost worker
        # replaced) fetches every archive of the session from the driver when it starts.
        if self._spark_files is None:
            self._spark_files = Path(tempfile.mkdtemp(prefix="wikiforge-spark-files-"))
            atexit.register(shutil.rmtree, self._spark_files, True)
        archive = self._spark_files / (directory.name + ".tar")
        with tarfile.open(archive, "w") as tar:
            for path in sorted(directory.rglob("*")):
                tar.add(path, arcname=path.relative_to(directory).as_posix(), recursive=False)
        self.spark.spark_session.sparkContext.addArchive(str(archive))
        return mapreduce.SPARK_FILES + archive.name

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
            return self._spark_map(fn, source, schema, columns, batch_size)
        batches = source.iter_batches(batch_size=batch_size, columns=columns)
        results = _ordered_pool_map(fn, batches, self.workers)
        return TableStream(schema=schema, batches=_empty_tolerant(results, schema))

    def _spark_map(
        self,
        fn: BatchFn,
        source: StoredAsset,
        schema: pa.Schema,
        columns: list[str] | None,
        batch_size: int,
    ) -> Artifacts:
        from pyspark.sql.pandas.types import from_arrow_schema

        frame = self._spark_read(source, columns, batch_size)

        def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            for batch in batches:
                result = fn(batch)
                yield from (result.to_batches() if isinstance(result, pa.Table) else [result])

        out = frame.mapInArrow(run, from_arrow_schema(schema))
        return self._spark_write(out, schema)

    @contextmanager
    def stage(
        self,
        fn: BatchFn,
        source: StoredAsset | Staged | pa.Table,
        schema: pa.Schema,
        *,
        columns: list[str] | None = None,
        batch_size: int = 2_000,
        parallel: bool = True,
    ) -> Iterator[Staged]:
        """Run a map and keep its output as an intermediate table for SQL (deleted on exit).

        Args:
            fn: A pure, picklable function of a record batch (a top-level function or a
                ``functools.partial`` of one); it returns a batch, a table or an iterator of
                them, with ``schema``.
            source: A published table, another intermediate, or a task table (see
                ``wikiforge.mapreduce.task_table``): then ``fn`` is called once per task row.
            schema: The map's output schema (staged with every field nullable).
            columns: Columns of ``source`` to read.
            batch_size: Rows per call for table sources.
            parallel: False runs the map in this process (the local engine; small inputs,
                where starting worker processes costs more than it saves).
        """
        schema = mapreduce.nullable(schema)
        if self.kind == "spark":
            with self._spark_stage(fn, source, schema, columns, batch_size) as staged:
                yield staged
            return
        work = Path(tempfile.mkdtemp(prefix="wikiforge-stage-"))
        try:
            if isinstance(source, pa.Table):
                batches: Iterable[pa.RecordBatch] = _task_batches(source)
            else:
                batches = source.iter_batches(batch_size=batch_size, columns=columns)
            jobs = ((batch, str(work / f"part-{i:05d}.parquet")) for i, batch in enumerate(batches))
            _windowed_pool(fn, schema, jobs, self.workers if parallel else 1)
            paths = sorted(work.glob("part-*.parquet"))
            if not paths:
                pq.write_table(schema.empty_table(), work / "part-00000.parquet")
                paths = [work / "part-00000.parquet"]
            yield Staged(paths=paths)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    @contextmanager
    def _spark_stage(
        self,
        fn: BatchFn,
        source: Any,
        schema: pa.Schema,
        columns: list[str] | None,
        batch_size: int,
    ) -> Iterator[Staged]:
        from pyspark.sql.pandas.types import from_arrow_schema

        session = self.spark.spark_session
        if isinstance(source, pa.Table):
            # One partition per task: each file (or part of a file) is read by one Python worker.
            frame = session.createDataFrame(source).repartition(max(1, source.num_rows))
        else:
            frame = self._spark_read(source, columns, batch_size)

        def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            for batch in batches:
                for out in mapreduce.as_batches(fn(batch)):
                    yield out.cast(schema) if out.schema != schema else out

        out = frame.mapInArrow(run, from_arrow_schema(schema))
        with self._spark_scratch(out) as staged:
            yield staged

    def _spark_read(self, source: Any, columns: list[str] | None, batch_size: int) -> Any:
        """A stored or staged table as a Spark frame spread over the cluster's cores: Spark
        splits Parquet by row group (64k rows), too coarse for CPU-heavy maps over pages.
        """
        session = self.spark.spark_session
        frame = session.read.parquet(*source.parquet_uris())
        if columns:
            frame = frame.select(*columns)
        rows = getattr(source, "rows", None) or 0
        wanted = min(4 * session.sparkContext.defaultParallelism, rows // max(1, batch_size) + 1)
        if wanted > frame.rdd.getNumPartitions():
            frame = frame.repartition(wanted)
        return frame

    @contextmanager
    def staged_sql(self, query: Query, schema: pa.Schema, **tables: Any) -> Iterator[Staged]:
        """Run SQL and keep its result as an intermediate table (deleted on exit)."""
        if self.kind == "spark":
            with self._spark_scratch(self._spark_sql(query, tables)) as staged:
                yield staged
            return
        work = Path(tempfile.mkdtemp(prefix="wikiforge-stage-"))
        try:
            target = work / "part-00000.parquet"
            with self._duckdb(tables) as con:
                con.execute(f"COPY ({self._text(query)}) TO '{target.as_posix()}' (FORMAT parquet)")
            yield Staged(paths=[target])
        finally:
            shutil.rmtree(work, ignore_errors=True)

    @contextmanager
    def _spark_scratch(self, frame: Any) -> Iterator[Staged]:
        """Write a Spark frame where executors and the driver both see it; delete it after."""
        name = f"scratch-{uuid.uuid4().hex}"
        if self.spark_staging_url:
            import fsspec

            url = f"{self.spark_staging_url.rstrip('/')}/{name}"
            frame.write.mode("overwrite").parquet(url)
            fs, base = fsspec.core.url_to_fs(url)
            parts = sorted(fs.glob(f"{base.rstrip('/')}/part-*.parquet"))
            protocol = url.split("://", 1)[0]
            try:
                yield Staged(paths=[], uris=[f"{protocol}://{p}" for p in parts])
            finally:
                fs.rm(base, recursive=True)
            return
        work = Path(tempfile.mkdtemp(prefix="wikiforge-spark-"))
        try:
            frame.write.mode("overwrite").parquet(str(work / "out"))
            yield Staged(paths=sorted((work / "out").glob("part-*.parquet")))
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _text(self, query: Query) -> str:
        if isinstance(query, str):
            return query
        return query["spark" if self.kind == "spark" else "duckdb"]

    def _spark_sql(self, query: Query, tables: Mapping[str, Any]) -> Any:
        session = self.spark.spark_session
        for name, stored in tables.items():
            session.read.parquet(*stored.parquet_uris()).createOrReplaceTempView(name)
        return session.sql(self._text(query))

    def memory_limit(self, step: str = "") -> str:
        """DuckDB's memory limit for a step's SQL: its own, else the engine-wide one."""
        return self.step_memory_limits.get(step, self.duckdb_memory_limit)

    @contextmanager
    def _duckdb(self, tables: Mapping[str, Any], step: str = "") -> Iterator[Any]:
        import duckdb

        scratch = tempfile.mkdtemp(prefix="wikiforge-duckdb-")
        con = duckdb.connect(
            config={
                "memory_limit": self.memory_limit(step),
                "threads": self.workers,
                "temp_directory": scratch,
            }
        )
        try:
            for name, stored in tables.items():
                files = ", ".join(f"'{p}'" for p in stored.parquet_paths())
                con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet([{files}])')
            yield con
        finally:
            con.close()
            shutil.rmtree(scratch, ignore_errors=True)

    def iter_sql(
        self, query: Query, schema: pa.Schema, *, step: str = "", **tables: Any
    ) -> Iterator[pa.RecordBatch]:
        """Stream a query's result to this process, in the query's order (for results the
        driver writes in its own format, or small ones such as counts and stats). Locally,
        DuckDB runs within ``step``'s memory limit (``memory_limit``; it spills beyond).
        """
        if self.kind == "spark":
            with self._spark_scratch(self._spark_sql(query, tables)) as staged:
                for path in staged.paths or []:
                    for batch in pq.ParquetFile(path).iter_batches(batch_size=64_000):
                        yield _conform(batch, schema)
                if not staged.paths:
                    for uri in staged.uris:
                        yield from (_conform(b, schema) for b in _remote_batches(uri))
            return
        with self._duckdb(tables, step) as con:
            for batch in con.sql(self._text(query)).to_arrow_reader(batch_size=64_000):
                yield _conform(batch, schema)

    def stats_of(self, staged: Staged) -> list[dict[str, Any]]:
        """The stats rows of a staged map output (``wikiforge.mapreduce``), in task order."""
        schema = pa.schema([(mapreduce.STATS_COLUMN, pa.string())])
        column = mapreduce.STATS_COLUMN
        query = f"SELECT {column} FROM staged WHERE {column} IS NOT NULL"
        return mapreduce.read_stats(
            value
            for batch in self.iter_sql(query, schema, staged=staged)
            for value in batch.column(0).to_pylist()
        )

    def sql_table(
        self, query: Query, schema: pa.Schema, *, step: str = "", **tables: Any
    ) -> pa.Table:
        """A (small) query result as one table with ``schema`` (``step`` as ``iter_sql``)."""
        batches = list(self.iter_sql(query, schema, step=step, **tables))
        return pa.Table.from_batches(batches, schema=schema).combine_chunks()

    def sql_to_parquet(
        self,
        query: Query,
        schema: pa.Schema,
        path: Path,
        *,
        step: str = "",
        **tables: Any,
    ) -> int:
        """Write a query's result, in its order, as one zstd Parquet file; returns its rows.

        Local: DuckDB's COPY (spills to disk beyond ``step``'s memory limit). Spark: the query's
        output parts, concatenated in part order (a sorted query's parts are ranges in order).
        """
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        if self.kind == "spark":
            rows = 0
            with (
                self._spark_scratch(self._spark_sql(query, tables)) as staged,
                pq.ParquetWriter(tmp, schema, compression="zstd") as writer,
            ):
                sources = staged.paths or staged.uris
                for source in sources:
                    batches = (
                        pq.ParquetFile(source).iter_batches(batch_size=64_000)
                        if isinstance(source, Path)
                        else _remote_batches(source)
                    )
                    for batch in batches:
                        writer.write_batch(_conform(batch, schema))
                        rows += batch.num_rows
            os.replace(tmp, path)
            return rows
        with self._duckdb(tables, step) as con:
            con.execute("SET preserve_insertion_order=true")
            con.execute(
                f"COPY ({self._text(query)}) TO '{tmp.as_posix()}' "
                "(FORMAT parquet, COMPRESSION zstd)"
            )
            rows = con.execute(f"SELECT COUNT(*) FROM read_parquet('{tmp.as_posix()}')").fetchone()
        os.replace(tmp, path)
        return int(rows[0])

    # -- reduce ----------------------------------------------------------------------------
    def sql(self, query: Query, schema: pa.Schema, **tables: Any) -> TableStream | Artifacts:
        """Run one SQL query over stored tables (each available under its keyword name)."""
        if self.kind == "spark":
            return self._spark_write(self._spark_sql(query, tables), schema)
        import duckdb

        con = duckdb.connect(
            config={"memory_limit": self.duckdb_memory_limit, "threads": self.workers}
        )
        for name, stored in tables.items():
            files = ", ".join(f"'{p}'" for p in stored.parquet_paths())
            con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet([{files}])')
        reader = con.sql(self._text(query)).to_arrow_reader(batch_size=64_000)

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


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """A result batch with the declared schema (names, types and nullability)."""
    if batch.schema == schema:
        return batch
    arrays = [batch.column(i).cast(f.type) for i, f in enumerate(schema)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _remote_batches(url: str) -> Iterator[pa.RecordBatch]:
    import fsspec

    with fsspec.open(url, "rb") as handle:
        yield from pq.ParquetFile(handle).iter_batches(batch_size=64_000)


def _fetch_parts(url: str, target: Path) -> None:
    """Copy Spark's part files from a remote staging URL to a local directory, then delete them."""
    import fsspec

    fs, base = fsspec.core.url_to_fs(url)
    target.mkdir(parents=True, exist_ok=True)
    for path in fs.glob(f"{base.rstrip('/')}/part-*.parquet"):
        fs.get_file(path, str(target / path.rsplit("/", 1)[-1]))
    fs.rm(base, recursive=True)


def local_engine() -> Engine:
    """The default engine: a process pool and DuckDB on this machine."""
    return Engine(kind="local")


__all__ = ["DEFAULT_SPARK_CONFIG", "Engine", "Query", "Staged", "local_engine", "Path"]
