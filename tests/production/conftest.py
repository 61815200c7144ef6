"""The production tests' landing zone and its build on the local engine (the reference).

The landing zone is the smallest slice that runs every partition family a wiki needs: two
2018 page-view months, the Wikidata dump and the smallest sample wiki (jawiki, 36 pages). The
local build is a `wikiforge materialize` in its own process, started on first use and waited
for by whoever reads it, so the stack's build on its Spark cluster can run beside it;
``compare_builds`` holds the two to the same files.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import SAMPLE_DUMPS
from wikiforge.storage import open_data_root

WIKI = "jawiki"
WIKIDATA_DUMP = "20190101"
MONTHS = ("2018-01", "2018-02")
#: A build taking longer than this has hung (a dead executor, a lost connection).
BUILD_TIMEOUT_S = 900


def production_landing_zone(
    target: Path, wikis: tuple[str, ...] = (WIKI,), months: tuple[str, ...] = MONTHS
) -> Path:
    """A landing zone of links into samples/: ``months``, the Wikidata dump and ``wikis``;
    returns the dumps directory (its sibling ``crawls`` is empty).
    """
    dumps = target / "dumps"
    for month in months:
        views = dumps / "other" / "pageview_complete" / month[:4]
        views.mkdir(parents=True, exist_ok=True)
        source = SAMPLE_DUMPS / "other" / "pageview_complete" / month[:4] / month
        (views / month).symlink_to(source, target_is_directory=True)
    (dumps / "wikidatawiki").symlink_to(SAMPLE_DUMPS / "wikidatawiki", target_is_directory=True)
    for wiki in wikis:
        (dumps / wiki).symlink_to(SAMPLE_DUMPS / wiki, target_is_directory=True)
    (target / "crawls").mkdir(exist_ok=True)
    return dumps


class MaterializeProcess:
    """`wikiforge materialize` of a landing zone into a data root, in its own process."""

    def __init__(self, dumps: Path, data_root: Path, *extra: str, env: dict | None = None):
        self.data_root = data_root
        self.log = data_root.parent / f"{data_root.name}-materialize.log"
        environment = {k: v for k, v in (env or os.environ).items() if k != "DAGSTER_HOME"}
        self.started = time.monotonic()
        self.seconds: float | None = None
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from cli import main; main()",
                    "materialize",
                    "--dumps",
                    str(dumps),
                    "--crawls",
                    str(dumps.parent / "crawls"),
                    "--data",
                    str(data_root),
                    *extra,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=environment,
            )

    def wait(self) -> Path:
        """Wait for the build; fail the test with the end of its output if it failed."""
        try:
            code = self.process.wait(BUILD_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            code = None
        if self.seconds is None:
            self.seconds = time.monotonic() - self.started
        if code != 0:
            tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-80:])
            pytest.fail(f"materialize into {self.data_root} ended with {code}:\n{tail}")
        return self.data_root


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


@pytest.fixture(scope="session")
def production_dumps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The production tests' landing zone (dumps directory)."""
    return production_landing_zone(tmp_path_factory.mktemp("production-landing"))


@pytest.fixture(scope="session")
def local_build(
    production_dumps: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MaterializeProcess]:
    """The landing zone built on the local engine (started now, ``.wait()`` for it)."""
    build = MaterializeProcess(
        production_dumps, tmp_path_factory.mktemp("local-build") / "data", "--engine", "local"
    )
    yield build
    if build.process.poll() is None:
        build.process.kill()
        build.process.wait()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A failed test shows the logs of the processes its fixtures ran (``log_sections``)."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    for value in getattr(item, "funcargs", {}).values():
        if hasattr(value, "log_sections"):
            report.sections.extend(value.log_sections())
