"""Dagster's instance on PostgreSQL: the daemon runs what the sensor asks for, the webserver
reports it.

PostgreSQL (a throw-away cluster on loopback), `dagster-daemon run` and `dagster-webserver` run
as separate processes over the repo's workspace.yaml, the instance's run, event and schedule
storage in PostgreSQL (dagster-postgres). The landing zone starts with two page-view months and
the Wikidata dump: the sensor requests a run per month (the queued run coordinator runs two at
once, so runs write their events side by side) and then the Wikidata run. Then a wiki dump is
dropped into the landing zone: the sensor picks it up, the daemon launches its run, the run
succeeds and every asset check of it passes. Everything is read through the webserver's
GraphQL API.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cli.services import DagsterDeployment, wait_until
from tests.conftest import REPO, SAMPLE_DUMPS
from tests.production.conftest import WIKI, WIKIDATA_DUMP, production_landing_zone

#: Two months: the sensor requests both at once, and two runs at once is the concurrency asked.
MONTHS = ("2018-01", "2018-02")
#: The longest the whole chain may take (months, Wikidata dump, wiki) before the test fails.
CHAIN_TIMEOUT_S = 900

RUNS = """
query Runs($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    ... on Runs {
      results {
        runId status jobName startTime endTime
        tags { key value }
      }
    }
  }
}
"""

RUN_CHECKS = """
query RunChecks($runId: ID!, $cursor: String) {
  runOrError(runId: $runId) {
    ... on Run { assetCheckSelection { name assetKey { path } } }
  }
  logsForRun(runId: $runId, afterCursor: $cursor) {
    ... on EventConnection {
      cursor hasMore
      events {
        __typename
        ... on AssetCheckEvaluationEvent {
          evaluation { checkName success assetKey { path } }
        }
        ... on MaterializationEvent { assetKey { path } partition }
      }
    }
  }
}
"""

MATERIALIZATIONS = """
query Materializations($path: [String!]!) {
  assetOrError(assetKey: {path: $path}) {
    ... on Asset { assetMaterializations { partition runId } }
  }
}
"""


def _runs(dagster: DagsterDeployment, job: str | None = None) -> list[dict]:
    runs_filter = {"pipelineName": job} if job else {}
    return dagster.graphql(RUNS, {"filter": runs_filter})["runsOrError"]["results"]


def _run_events(dagster: DagsterDeployment, run_id: str) -> tuple[list[dict], list[dict]]:
    """The run's selected asset checks and every event of its log (paged)."""
    events: list[dict] = []
    cursor = None
    while True:
        data = dagster.graphql(RUN_CHECKS, {"runId": run_id, "cursor": cursor})
        page = data["logsForRun"]
        events += page["events"]
        cursor = page["cursor"]
        if not page["hasMore"]:
            return data["runOrError"]["assetCheckSelection"], events


def _finished(dagster: DagsterDeployment, job: str, count: int) -> list[dict] | None:
    """The job's runs once ``count`` of them have finished; fails on a failed run."""
    runs = _runs(dagster, job)
    failed = [r for r in runs if r["status"] in ("FAILURE", "CANCELED")]
    assert not failed, f"{job} run failed: {failed}\n(see the run's events in the webserver)"
    done = [r for r in runs if r["status"] == "SUCCESS"]
    return done if len(done) >= count else None


@pytest.fixture
def dagster_deployment(postgres_server, tmp_path: Path):
    """The daemon and the webserver over a landing zone holding months and a Wikidata dump."""
    dumps = production_landing_zone(tmp_path / "landing", wikis=(), months=MONTHS)
    deployment = DagsterDeployment(
        tmp_path / "dagster_home",
        postgres_server.url,
        REPO / "workspace.yaml",
        {
            "WIKIFORGE_DATA": str(tmp_path / "data"),
            "WIKIFORGE_DUMPS": str(dumps),
            "WIKIFORGE_CRAWLS": str(dumps.parent / "crawls"),
            "WIKIFORGE_ENGINE": "local",
            "WIKIFORGE_SENSOR_INTERVAL_S": "5",
        },
    )
    deployment.dumps = dumps  # type: ignore[attr-defined]
    try:
        yield deployment.start()
    finally:
        deployment.stop()


@pytest.mark.slow
def test_sensor_daemon_and_webserver_on_postgres(dagster_deployment: DagsterDeployment):
    dagster = dagster_deployment
    started = time.monotonic()
    deadline = lambda: max(1.0, CHAIN_TIMEOUT_S - (time.monotonic() - started))  # noqa: E731

    months = wait_until(
        lambda: _finished(dagster, "month_job", len(MONTHS)),
        deadline(),
        "the sensor's month runs",
        dagster.daemon,
    )
    wait_until(
        lambda: _finished(dagster, "wikidata_job", 1),
        deadline(),
        "the Wikidata run",
        dagster.daemon,
    )
    # Runs written side by side: at least two month runs overlapped, and each run's events
    # and materialization are whole.
    spans = sorted((r["startTime"], r["endTime"]) for r in months)
    assert any(spans[i + 1][0] < spans[i][1] for i in range(len(spans) - 1)), spans
    for run in months:
        _, events = _run_events(dagster, run["runId"])
        kinds = [e["__typename"] for e in events]
        assert kinds.count("RunStartEvent") == 1 and kinds.count("RunSuccessEvent") == 1, kinds
        assert kinds.index("RunStartEvent") < kinds.index("RunSuccessEvent"), kinds
        assert "RunFailureEvent" not in kinds and "ExecutionStepFailureEvent" not in kinds
        assert [e["partition"] for e in events if e["__typename"] == "MaterializationEvent"] == [
            next(t["value"] for t in run["tags"] if t["key"] == "dagster/partition")
        ]
    views = dagster.graphql(MATERIALIZATIONS, {"path": ["pageviews_month"]})["assetOrError"]
    by_partition = {m["partition"]: m["runId"] for m in views["assetMaterializations"]}
    assert sorted(by_partition) == [f"{m}-01" for m in MONTHS]
    assert len(set(by_partition.values())) == len(MONTHS)

    # A new wiki dump lands: the sensor requests its run, the daemon launches it.
    (dagster.dumps / WIKI).symlink_to(SAMPLE_DUMPS / WIKI, target_is_directory=True)  # type: ignore[attr-defined]
    (run,) = wait_until(
        lambda: _finished(dagster, "wiki_job", 1), deadline(), "the wiki run", dagster.daemon
    )
    tags = {t["key"]: t["value"] for t in run["tags"]}
    assert tags["dagster/sensor_name"] == "landing_sensor"
    assert tags["dagster/partition"] == WIKI and tags["wikiforge/scope"] == f"wiki/{WIKI}"
    selected, events = _run_events(dagster, run["runId"])
    evaluations = [
        e["evaluation"] for e in events if e["__typename"] == "AssetCheckEvaluationEvent"
    ]
    failed = [e for e in evaluations if not e["success"]]
    assert not failed, failed
    evaluated = {(tuple(e["assetKey"]["path"]), e["checkName"]) for e in evaluations}
    assert evaluated, "no asset check ran in the wiki run"
    assert len(evaluated) == len(evaluations), evaluations  # each check once
    if selected is not None:  # None: the whole job, every check of it
        assert evaluated == {(tuple(c["assetKey"]["path"]), c["name"]) for c in selected}
    materialized = {e["assetKey"]["path"][-1] for e in events if "partition" in e}
    assert {"pages", "links", "link_datasets"} <= materialized
    wikidata = _runs(dagster, "wikidata_job")[0]
    assert {t["value"] for t in wikidata["tags"] if t["key"] == "dagster/partition"} == {
        WIKIDATA_DUMP
    }
    print(
        f"months, Wikidata dump and {WIKI} through the daemon in "
        f"{time.monotonic() - started:.0f} s; {len(evaluations)} asset checks passed"
    )
