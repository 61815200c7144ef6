"""Fixtures every line's tests share: sample landing zone, temporary data root, instance, Spark."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

# Real servers (MariaDB; the stack test starts its own) as session fixtures, and their logs in the
# report of a failed test that used one.
from tests.support.fixtures import (  # noqa: F401
    mariadb_server,
    pytest_runtest_makereport,
)

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
SAMPLE_DUMPS = SAMPLES / "dumps"
SAMPLE_CRAWLS = SAMPLES / "crawls"
FIXTURES = SAMPLES / "fixtures"

warnings.filterwarnings("ignore", category=dg.BetaWarning)
warnings.filterwarnings("ignore", category=dg.PreviewWarning)


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    """An empty data root for one test."""
    root = tmp_path / "data"
    root.mkdir()
    return root


@pytest.fixture
def resources(data_root: Path) -> dict:
    """Resources over the bundled landing zone and the test's own data root (local engine)."""
    from resources import build_resources

    return build_resources(
        data_root=data_root, dumps_dir=SAMPLE_DUMPS, crawls_dir=SAMPLE_CRAWLS, engine="local"
    )


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    """A throwaway Dagster instance (dynamic partitions must be added to it)."""
    with dg.instance_for_test() as inst:
        yield inst


def materialize_partition(
    assets: list,
    partition: str | None,
    *,
    instance: dg.DagsterInstance,
    resources: dict,
    dynamic: str | None = None,
    selection: list | None = None,
    raise_on_error: bool = True,
) -> dg.ExecuteInProcessResult:
    """Materialize ``assets`` for one partition, adding it to the dynamic partitions first."""
    if dynamic and partition:
        instance.add_dynamic_partitions(dynamic, [partition])
    return dg.materialize(
        assets,
        partition_key=partition,
        instance=instance,
        resources=resources,
        selection=selection,
        raise_on_error=raise_on_error,
    )


@dataclass
class MainJob:
    """The main job's run over the whole bundled landing zone: its data root and outcomes."""

    data_root: Path
    outcomes: list


@pytest.fixture(scope="session")
def main_job(tmp_path_factory: pytest.TempPathFactory) -> MainJob:
    """The main job (`wikiforge demo`'s code path) on the bundled sample data, run once per
    session: the CI asset checks read its outcomes, the determinism test its files.
    """
    import os

    from cli.platform import materialize_landing
    from wikiforge.settings import Settings

    data_root = tmp_path_factory.mktemp("main-job") / "data"
    settings = Settings(data=str(data_root), dumps=SAMPLE_DUMPS, crawls=SAMPLE_CRAWLS)
    home = os.environ.get("DAGSTER_HOME")
    try:
        outcomes = materialize_landing(settings, echo=lambda *_, **__: None)
    finally:  # the CLI points DAGSTER_HOME at the data root's instance: not for other tests
        if home is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = home
    return MainJob(data_root, outcomes)


@pytest.fixture(scope="session")
def spark_engine():
    """A Spark engine on local[1], shared by the few Spark tests (a session takes ~10 s to start)."""
    import os
    import sys

    from resources.engine import Engine

    # Spark's Python workers unpickle map functions by module name: let them import what the
    # test process can (test modules included).
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    engine = Engine(
        kind="spark",
        spark_config={"spark.master": "local[1]", "spark.sql.shuffle.partitions": "1"},
    )
    yield engine
    engine.stop_spark()
