"""`wikiforge stack`: the production-like stack on one machine, started and stopped by its command.

The command runs in its own process over a landing zone holding two page-view months and the
Wikidata dump. It starts PostgreSQL (the Dagster instance's storage), a Spark standalone master
and a worker, `dagster-webserver` and `dagster-daemon` as separate processes, and the API. The
landing sensor requests a run per month (the queued run coordinator runs two at once, so runs
write their events side by side) and then the Wikidata run, all on the spark engine against the
stack's cluster. Then a wiki dump is dropped into the landing zone: the sensor picks it up, the
daemon launches its run, the run succeeds and every asset check of it passes (all read through
the webserver's GraphQL API), and the API serves the versions the run published. During the
wiki run one of the two Spark workers is SIGKILLed with its executors (a lost machine), and the
API with it: Spark re-runs the tasks on the other worker, the stack restarts the worker and the
API, the run succeeds, and the new API serves what it published. Before that, PostgreSQL crashes
while the month runs write their events, and the daemon is SIGKILLed with the Wikidata run's
worker: the stack restarts both, the new daemon's run monitoring fails the orphaned run and run
retries start it again; every run's events agree with its status.
Once the global refresh after it is done, every published file equals the local engine's
`wikiforge materialize` of the same landing zone (byte for byte, except tables Spark's own
writer wrote, which hold the same rows). SIGINT stops the stack: it exits 0 and no process of
any service is left.

Two quick tests check the supervisor with stand-in processes: a service that exits makes the
stack print the end of its log, stop the others and exit 1; a restartable one (a Spark worker)
is started again, at most MAX_RESTARTS times.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.services import Service, ServiceError, free_port, graphql, group_members, wait_until
from cli.stack import MAX_RESTARTS, Stack, run_stack, supervise
from tests.conftest import SAMPLE_DUMPS
from tests.production.conftest import (
    MONTHS,
    PUBLISHED,
    WIKI,
    WIKIDATA_DUMP,
    MaterializeProcess,
    compare_builds,
    production_landing_zone,
)
from wikiforge.settings import Settings
from wikiforge.storage import open_data_root

#: The longest the stack may take to start, and the whole chain of runs to finish.
START_TIMEOUT_S = 300
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
        ... on MessageEvent { message }
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


class StackProcess:
    """`wikiforge stack` in its own process (and process group), its output in ``output``."""

    def __init__(self, base: Path, dumps: Path, output: Path) -> None:
        self.base = base
        self.dumps = dumps
        self.data = base / "data"
        self.output = output
        self.api_port, self.webserver_port = free_port(), free_port()
        self.state: dict = {}
        env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
        env["WIKIFORGE_SENSOR_INTERVAL_S"] = "2"
        with open(output, "wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from cli import main; main()",
                    "stack",
                    "--dumps",
                    str(dumps),
                    "--crawls",
                    str(dumps.parent / "crawls"),
                    "--data",
                    str(self.data),
                    "--api-port",
                    str(self.api_port),
                    "--webserver-port",
                    str(self.webserver_port),
                    "--workers",
                    "2",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def webserver(self) -> str:
        return f"http://127.0.0.1:{self.webserver_port}"

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        return graphql(self.webserver, query, variables)

    def output_tail(self, lines: int = 80) -> str:
        text = self.output.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def running(self) -> dict | None:
        """The stack's state file once every service is up; fails if the stack exited."""
        if self.process.poll() is not None:
            pytest.fail(
                f"wikiforge stack exited ({self.process.returncode}):\n{self.output_tail()}"
            )
        state = self.data / ".stack" / "stack.json"
        return json.loads(state.read_text()) if state.exists() else None

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"{self.api}{path}", timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def executor_logs(self) -> list[Path]:
        """The stderr of every executor the stack's Spark workers ran."""
        return sorted((self.data / ".stack" / "spark").glob("worker-*/app-*/*/stderr"))

    def log_sections(self) -> list[tuple[str, str]]:
        """The stack's output and the end of every service log (for a failure report)."""
        sections = [("wikiforge stack output", self.output_tail())]
        for log in sorted((self.data / ".stack").rglob("*.log")):
            text = log.read_text(errors="replace").splitlines()[-60:]
            sections.append((f"service log: {log.relative_to(self.data)}", "\n".join(text)))
        return sections

    def interrupt(self, timeout: float = 180) -> int | None:
        """SIGINT (Ctrl-C); the exit code (None: still running after ``timeout`` seconds)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None


@pytest.fixture
def stack_process(tmp_path: Path) -> Iterator[StackProcess]:
    """`wikiforge stack` over a landing zone of months and a Wikidata dump (no wiki yet)."""
    # As root PostgreSQL runs as the postgres user: the data root must be a directory it can
    # reach (pytest's temporary directories are private to root).
    base = Path(tempfile.mkdtemp(prefix="wikiforge-stack-"))
    base.chmod(0o755)
    dumps = production_landing_zone(base / "landing", wikis=(), months=MONTHS)
    stack = StackProcess(base, dumps, tmp_path / "stack.out")
    try:
        yield stack
    finally:
        if stack.interrupt() is None:
            os.killpg(stack.process.pid, signal.SIGKILL)
            stack.process.wait()
        for log in (stack.data / ".stack").rglob("*.log"):  # kept with pytest's temp dirs
            shutil.copyfile(log, tmp_path / log.name)
        shutil.rmtree(base, ignore_errors=True)


def _runs(stack: StackProcess, job: str | None = None) -> list[dict]:
    runs_filter = {"pipelineName": job} if job else {}
    return stack.graphql(RUNS, {"filter": runs_filter})["runsOrError"]["results"]


def _run_events(stack: StackProcess, run_id: str) -> tuple[list[dict], list[dict]]:
    """The run's selected asset checks and every event of its log (paged)."""
    events: list[dict] = []
    cursor = None
    while True:
        data = stack.graphql(RUN_CHECKS, {"runId": run_id, "cursor": cursor})
        page = data["logsForRun"]
        events += page["events"]
        cursor = page["cursor"]
        if not page["hasMore"]:
            return data["runOrError"]["assetCheckSelection"], events


def _tags(run: dict) -> dict[str, str]:
    return {t["key"]: t["value"] for t in run["tags"]}


def _unrecovered(runs: list[dict]) -> list[dict]:
    """Failed runs that run retries will not start again (the daemon tags a failed run with
    its decision some seconds after the failure) and that no later run of the same job and
    partition made good.
    """
    partition = lambda r: _tags(r).get("dagster/partition")  # noqa: E731
    return [
        r
        for r in runs
        if r["status"] in ("FAILURE", "CANCELED")
        and _tags(r).get("dagster/will_retry", "false" if r["status"] == "CANCELED" else "")
        == "false"
        and not any(
            o["status"] == "SUCCESS"
            and o["jobName"] == r["jobName"]
            and partition(o) == partition(r)
            and (o["startTime"] or 0) > (r["startTime"] or 0)
            for o in runs
        )
    ]


def _finished(stack: StackProcess, job: str, count: int) -> list[dict] | None:
    """The job's successful runs once ``count`` of them have finished; fails on a failed run
    nothing retries, or a stack that exited.
    """
    stack.running()
    runs = _runs(stack, job)
    failed = _unrecovered(runs)
    if failed:  # pytest.fail: not an Exception, so wait_until does not keep polling
        pytest.fail(f"{job} run failed: {failed}\n(see the run's events in the webserver)")
    done = [r for r in runs if r["status"] == "SUCCESS"]
    return done if len(done) >= count else None


def _check_run_logs(stack: StackProcess, runs: list[dict]) -> None:
    """Run and event storage agree: a run that succeeded has one start and one success event,
    a run that failed one failure event and no success.
    """
    for run in runs:
        _, events = _run_events(stack, run["runId"])
        kinds = [e["__typename"] for e in events]
        if run["status"] == "SUCCESS":
            assert kinds.count("RunStartEvent") == 1 and kinds.count("RunSuccessEvent") == 1, kinds
            assert kinds.index("RunStartEvent") < kinds.index("RunSuccessEvent"), kinds
            assert "RunFailureEvent" not in kinds and "ExecutionStepFailureEvent" not in kinds
        else:
            assert run["status"] == "FAILURE", run
            assert kinds.count("RunFailureEvent") == 1 and "RunSuccessEvent" not in kinds, kinds


def _check_month_runs(stack: StackProcess, months: list[dict]) -> None:
    """Runs written side by side: at least two month runs overlapped, each run's events are
    whole, and each month was published by one successful run.
    """
    spans = sorted((r["startTime"], r["endTime"]) for r in _runs(stack, "month_job"))
    assert any(spans[i + 1][0] < spans[i][1] for i in range(len(spans) - 1)), spans
    _check_run_logs(stack, _runs(stack, "month_job"))
    for run in months:
        _, events = _run_events(stack, run["runId"])
        assert [e["partition"] for e in events if e["__typename"] == "MaterializationEvent"] == [
            _tags(run)["dagster/partition"]
        ]
    views = stack.graphql(MATERIALIZATIONS, {"path": ["pageviews_month"]})["assetOrError"]
    by_partition = {m["partition"]: m["runId"] for m in views["assetMaterializations"]}
    assert sorted(by_partition) == [f"{m}-01" for m in MONTHS]
    assert set(by_partition.values()) == {r["runId"] for r in months}


def _started(stack: StackProcess, job: str) -> list[dict] | None:
    """The job's runs whose worker has started and not finished (None while the webserver
    cannot answer: PostgreSQL restarting).
    """
    try:
        return [r for r in _runs(stack, job) if r["status"] == "STARTED"] or None
    except ServiceError:
        return None


def _check_wiki_run(stack: StackProcess, run: dict) -> int:
    """The wiki run came from the landing sensor and every asset check of it passed; returns
    how many checks ran.
    """
    tags = {t["key"]: t["value"] for t in run["tags"]}
    assert tags["dagster/sensor_name"] == "landing_sensor"
    assert tags["dagster/partition"] == WIKI and tags["wikiforge/scope"] == f"wiki/{WIKI}"
    selected, events = _run_events(stack, run["runId"])
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
    return len(evaluations)


def _check_api_serves(stack: StackProcess, run_id: str) -> list[str]:
    """The API lists the wiki's partitions the run published, at the versions it published;
    returns those assets.
    """
    root = open_data_root(stack.data)
    published = {
        asset: stored.version
        for asset in root.assets()
        if WIKI in root.partitions(asset)
        and (stored := root.current(asset, WIKI)) is not None
        and stored.manifest.get("run_id") == run_id
    }
    assert {"pages", "link_datasets"} <= set(published), published
    status, body = stack.get("/v1/datasets")
    assert status == 200, body
    served = {
        d["asset"]: p["version"]
        for d in json.loads(body)["datasets"]
        for p in d["partitions"]
        if p["partition"] == WIKI
    }
    assert {a: served.get(a) for a in published} == published
    return sorted(published)


def _workers_with_tasks(stack: StackProcess, since: float = 0.0) -> set[str]:
    """The workers whose executors (of applications started after ``since``) ran a task."""
    return {
        log.parts[-4]
        for log in stack.executor_logs()
        if log.parent.parent.stat().st_mtime >= since
        and "Running task" in log.read_text(errors="replace")
    }


def _settled(stack: StackProcess, after: float) -> list[dict] | None:
    """Every run, once none is waiting or running and a global refresh started after ``after``
    (the wiki run's end) has succeeded; fails on a failed run.
    """
    runs = _finished(stack, "global_job", 1) and _runs(stack)
    if not runs:
        return None
    busy = [r for r in runs if r["status"] not in ("SUCCESS", "FAILURE", "CANCELED")]
    refreshed = [r for r in runs if r["jobName"] == "global_job" and (r["startTime"] or 0) >= after]
    if busy or not refreshed or refreshed[0]["status"] != "SUCCESS":
        return None
    failed = _unrecovered(runs)
    if failed:
        pytest.fail(f"runs failed: {failed}")
    return runs


@pytest.mark.spark
@pytest.mark.slow
def test_stack_command_runs_the_platform_and_stops_cleanly(
    stack_process: StackProcess, local_build: MaterializeProcess
):
    stack = stack_process
    started = time.monotonic()
    deadline = lambda: max(1.0, CHAIN_TIMEOUT_S - (time.monotonic() - started))  # noqa: E731

    state = wait_until(stack.running, START_TIMEOUT_S, "wikiforge stack to start")
    up_s = time.monotonic() - started
    services = {s["name"]: s for s in state["services"]}  # type: ignore[index]
    assert list(services) == [
        "postgresql",
        "spark-master",
        "spark-worker-0",
        "spark-worker-1",
        "dagster-webserver",
        "dagster-daemon",
        "api",
    ]
    assert stack.graphql("{ version }")["version"]
    wait_until(lambda: stack.get("/readyz")[0] == 200, 120, "the API's /readyz")

    # PostgreSQL crashes (its process group SIGKILLed) while the month runs write their events;
    # the stack starts it again over its kept cluster and clients reconnect. Every month is
    # still published, by its run or by the retry of a run that failed.
    wait_until(lambda: _started(stack, "month_job"), deadline(), "a month run to start")
    os.killpg(services["postgresql"]["pid"], signal.SIGKILL)
    wait_until(
        lambda: "postgresql exited with code -9; restarting it" in stack.output_tail(100),
        60,
        "the stack to restart PostgreSQL",
    )
    months = wait_until(
        lambda: _finished(stack, "month_job", len(MONTHS)), deadline(), "the month runs"
    )
    # A new wiki dump lands: the sensor requests its run once the Wikidata run it reads from
    # is done, and the daemon launches it.
    (stack.dumps / WIKI).symlink_to(SAMPLE_DUMPS / WIKI, target_is_directory=True)
    _check_month_runs(stack, months)  # type: ignore[arg-type]
    months_failed = [r for r in _runs(stack, "month_job") if r["status"] != "SUCCESS"]
    # The heavy steps ran on executors of both workers.
    assert _workers_with_tasks(stack) == {"worker-0", "worker-1"}, stack.executor_logs()
    # The daemon dies with the runs it launched (its process group SIGKILLed, as by the OOM
    # killer) while the Wikidata run works: the stack starts a new daemon, whose run monitoring
    # finds the run's worker gone and marks the run failed; run retries start it again.
    (killed,) = wait_until(
        lambda: _started(stack, "wikidata_job"), deadline(), "the Wikidata run to start"
    )
    os.killpg(services["dagster-daemon"]["pid"], signal.SIGKILL)
    (wikidata,) = wait_until(
        lambda: _finished(stack, "wikidata_job", 1), deadline(), "the Wikidata run's retry"
    )
    assert _tags(wikidata)["dagster/parent_run_id"] == killed["runId"], wikidata
    _, events = _run_events(stack, killed["runId"])
    failure = [e["message"] for e in events if e["__typename"] == "RunFailureEvent"]
    assert len(failure) == 1 and "is gone and the run did not finish" in failure[0], failure
    _check_run_logs(stack, _runs(stack, "wikidata_job"))
    assert {t["value"] for t in wikidata["tags"] if t["key"] == "dagster/partition"} == {
        WIKIDATA_DUMP
    }

    # A lost machine: once an executor on worker 1 runs a task of an application started
    # during the wiki run, the worker and its executors are SIGKILLed. Spark re-runs their
    # tasks on the other worker; the stack restarts the worker; the run still succeeds.
    wiki_started = wait_until(
        lambda: next((r["startTime"] for r in _runs(stack, "wiki_job") if r["startTime"]), None),
        deadline(),
        "the wiki run to start",
    )
    wait_until(
        lambda: "worker-1" in _workers_with_tasks(stack, since=wiki_started),  # type: ignore[arg-type]
        deadline(),
        "a task of the wiki run on worker 1",
    )
    os.killpg(services["spark-worker-1"]["pid"], signal.SIGKILL)
    # The API crashes too while the run publishes: the stack starts a new one.
    os.killpg(services["api"]["pid"], signal.SIGKILL)
    (run,) = wait_until(lambda: _finished(stack, "wiki_job", 1), deadline(), "the wiki run")  # type: ignore[misc]
    assert run["startTime"] >= wikidata["endTime"], (run, wikidata)
    output = stack.output_tail(400)
    assert "spark-worker-1 exited with code -9; restarting it" in output, output
    assert "api exited with code -9; restarting it" in output, output
    wait_until(lambda: stack.get("/readyz")[0] == 200, 120, "the restarted API's /readyz")
    checks = _check_wiki_run(stack, run)
    served = _check_api_serves(stack, run["runId"])
    runs = wait_until(lambda: _settled(stack, run["endTime"]), deadline(), "the global refresh")
    chain_s = time.monotonic() - started - up_s

    # The stack's build (Spark cluster, runs launched by the daemon, a worker lost) holds the
    # files the local engine's `wikiforge materialize` writes from the same landing zone.
    identical, by_rows = compare_builds(local_build.wait(), stack.data)
    assert identical > 50, identical
    assert by_rows, "no table was written by Spark: did the steps run on the cluster?"
    for asset in PUBLISHED:
        assert open_data_root(stack.data).partitions(asset), f"the stack published no {asset}"

    timeline = sorted(
        (r["startTime"] or 0, r["endTime"] or 0, r["jobName"], r["status"]) for r in runs
    )  # type: ignore[union-attr]

    # Ctrl-C: every service stops, with every process of its group, and the stack exits 0.
    stopping = time.monotonic()
    assert stack.interrupt() == 0, stack.output_tail()
    stop_s = time.monotonic() - stopping
    left = {name: group_members(s["pid"]) for name, s in services.items()}
    assert not any(left.values()), left
    # ... the restarted worker and API too (not the groups the state file named).
    stray = subprocess.run(["pgrep", "-af", str(stack.data)], capture_output=True, text=True).stdout
    assert not stray.strip(), stray
    assert "wikiforge stack: stopped" in stack.output_tail(5)
    print(
        f"stack up in {up_s:.0f} s; months (PostgreSQL crashed: {len(months_failed)} month "
        f"run(s) failed and retried), Wikidata dump (daemon killed, run retried) and {WIKI} "
        f"through the daemon on Spark in {chain_s:.0f} s, a worker lost mid-run ({checks} asset "
        f"checks passed; API "
        f"serves {len(served)} of the run's datasets; {identical} files byte-identical to the "
        f"local build, same rows: {', '.join(sorted(set(by_rows)))}); stopped in {stop_s:.0f} s"
    )
    first = timeline[0][0]
    for start, end, job, status in timeline:
        print(f"  {job:<14} {status:<8} {start - first:6.1f} s .. {end - first:6.1f} s")


class _StandInStack(Stack):
    """A stack whose services are a long sleep and a process that fails after a moment."""

    def start(self, echo=print) -> Stack:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.api = Service("sleeper", ["sleep", "600"], self.dir / "sleeper.log").start()
        self.failing = Service(
            "failing", ["sh", "-c", "sleep 1; echo boom; exit 3"], self.dir / "failing.log"
        ).start()
        return self

    @property
    def services(self) -> list[Service]:
        return [s for s in (self.api, getattr(self, "failing", None)) if s is not None]

    def restartable(self, service: Service) -> bool:
        return False  # as the Spark master: its exit stops the stack


def test_stack_stops_everything_when_a_service_exits(tmp_path: Path):
    stack = _StandInStack(Settings(data=str(tmp_path / "data"), dumps=tmp_path))
    lines: list[str] = []
    code = run_stack(stack, echo=lambda text="", err=False: lines.append(text))
    output = "\n".join(lines)
    assert code == 1
    assert "failing exited with code 3" in output and "boom" in output, output
    assert stack.api is not None and not stack.api.group_alive()
    assert not (stack.dir / "stack.json").exists()


def test_a_restartable_service_is_started_again_at_most_max_restarts_times(tmp_path: Path):
    sleeper = Service("sleeper", ["sleep", "600"], tmp_path / "sleeper.log").start()
    flaky = Service("flaky", ["sh", "-c", "echo up; exit 9"], tmp_path / "flaky.log").start()
    lines: list[str] = []
    try:
        code = supervise(
            [sleeper, flaky],
            echo=lambda text="", err=False: lines.append(text),
            poll_s=0.05,
            restartable=lambda service: service is flaky,
        )
    finally:
        sleeper.stop()
    assert code == 1
    restarts = [line for line in lines if "restarting it" in line]
    assert restarts == [
        f"wikiforge stack: flaky exited with code 9; restarting it ({n} of {MAX_RESTARTS})"
        for n in range(1, MAX_RESTARTS + 1)
    ]
    assert lines[-1].startswith("wikiforge stack: flaky exited with code 9\n")
    assert (tmp_path / "flaky.log").read_text().splitlines().count("up") == MAX_RESTARTS + 1
