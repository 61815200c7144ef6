"""The asset graph on a real Spark standalone cluster gives the local engine's published files.

A master and two workers run as separate JVMs (``spark_cluster``); `wikiforge materialize` runs
the months, the Wikidata dump and the smallest sample wiki with ``WIKIFORGE_ENGINE=spark`` and
``WIKIFORGE_SPARK_MASTER`` set to the master URL, so every heavy step runs on executors in
other processes (maps unpickled there, side directories shipped as archives, output written to
the staging directory). Meanwhile the same landing zone is built on the local engine. Then:

* every file of every asset partition is byte-identical, except the Parquet tables the engine
  itself wrote (Spark's writer is not DuckDB's; those must hold the same rows);
* what consumers download (the link datasets and model, the QRank files) is byte-identical;
* both workers ran tasks (their executors' logs say so).
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.production.conftest import MaterializeProcess
from wikiforge.storage import open_data_root

#: Assets whose every file a consumer downloads: these must match byte for byte.
PUBLISHED = ("link_datasets", "link_model", "backtest", "qrank", "qrank_stats", "pagerank")


def _files(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != "_manifest.json"
    }


def _sorted_rows(tables: list[pa.Table]) -> list[tuple]:
    rows = []
    for table in tables:
        columns = [table.column(c).to_pylist() for c in table.column_names]
        rows += [
            tuple("NaN" if isinstance(v, float) and math.isnan(v) else v for v in row)
            for row in zip(*columns, strict=True)
        ]
    return sorted(rows, key=repr)


def _parquet_rows(files: dict[str, bytes], directory: Path) -> list[tuple]:
    return _sorted_rows([pq.read_table(directory / name) for name in files])


def compare_builds(local_root: Path, spark_root: Path) -> tuple[int, list[str]]:
    """Compare two data roots asset partition by asset partition; returns the number of
    byte-identical files and the names of the engine-written tables that only match by rows.
    Fails on anything else.
    """
    local, spark = open_data_root(local_root), open_data_root(spark_root)
    assets = sorted(p.name for p in local_root.iterdir() if not p.name.startswith("."))
    assert assets == sorted(p.name for p in spark_root.iterdir() if not p.name.startswith("."))
    identical, by_rows = 0, []
    for asset in assets:
        assert local.partitions(asset) == spark.partitions(asset), asset
        for partition in local.partitions(asset):
            ours, theirs = local.current(asset, partition), spark.current(asset, partition)
            assert ours.rows == theirs.rows, (asset, partition, ours.rows, theirs.rows)
            a, b = _files(ours.dir), _files(theirs.dir)
            other_a = {n: v for n, v in a.items() if not n.endswith(".parquet")}
            other_b = {n: v for n, v in b.items() if not n.endswith(".parquet")}
            assert other_a.keys() == other_b.keys(), (asset, sorted(a), sorted(b))
            for name, content in other_a.items():
                assert content == other_b[name], f"{asset}[{partition}] {name} differs"
                identical += 1
            tables_a = {n: v for n, v in a.items() if n.endswith(".parquet")}
            tables_b = {n: v for n, v in b.items() if n.endswith(".parquet")}
            if tables_a == tables_b:
                identical += len(tables_a)
                continue
            assert asset not in PUBLISHED, f"{asset}[{partition}]: published Parquet differs"
            if tables_a.keys() == tables_b.keys():  # named tables: compare each by rows
                for name in tables_a:
                    if tables_a[name] == tables_b[name]:
                        identical += 1
                        continue
                    expected = _parquet_rows({name: b""}, ours.dir)
                    assert _parquet_rows({name: b""}, theirs.dir) == expected, (asset, name)
                    by_rows.append(f"{asset}/{name}")
            else:  # one table in parts: the parts together
                expected = _parquet_rows(tables_a, ours.dir)
                assert _parquet_rows(tables_b, theirs.dir) == expected, asset
                by_rows.append(asset)
    return identical, by_rows


@pytest.mark.spark
@pytest.mark.slow
def test_cluster_build_gives_the_local_engines_files(
    spark_cluster, production_dumps, local_build, tmp_path
):
    env = {
        **os.environ,
        "WIKIFORGE_ENGINE": "spark",
        "WIKIFORGE_SPARK_MASTER": spark_cluster.url,
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    # One run at a time: a run keeps its Spark application (and the cluster's cores) for as
    # long as its process lives; two concurrent CLI workers would starve each other.
    started = time.monotonic()
    build = MaterializeProcess(production_dumps, tmp_path / "data", "--parallel", "1", env=env)
    spark_root = build.wait()
    spark_seconds = time.monotonic() - started
    local_root = local_build.wait()

    identical, by_rows = compare_builds(local_root, spark_root)
    assert identical > 50, identical
    for asset in PUBLISHED:
        for partition in open_data_root(spark_root).partitions(asset):
            assert open_data_root(spark_root).current(asset, partition).files
    # The heavy steps ran on the executors of both workers.
    workers_with_tasks = {
        log.parts[-4]
        for log in spark_cluster.executor_logs()
        if "Finished task" in log.read_text(errors="replace")
    }
    assert workers_with_tasks == {"worker-0", "worker-1"}, spark_cluster.executor_logs()
    assert by_rows, "no table was written by Spark: did the steps run on the cluster?"
    print(
        f"cluster build {spark_seconds:.0f} s, local build {local_build.seconds:.0f} s; "
        f"{identical} files byte-identical; same rows: {', '.join(sorted(set(by_rows)))}"
    )
