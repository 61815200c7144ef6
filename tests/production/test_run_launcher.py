"""The stack's run launcher tells run monitoring whether a run's worker process still lives."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator

import dagster as dg
import pytest
from dagster._core.events import DagsterEvent, DagsterEventType, EngineEventData
from dagster._core.events.log import EventLogEntry
from dagster._core.launcher.base import WorkerStatus

from cli.run_launcher import STARTED_PROCESS, LocalRunLauncher, process_start_time


@pytest.fixture
def launcher() -> Iterator[tuple[LocalRunLauncher, dg.DagsterInstance]]:
    with dg.DagsterInstance.ephemeral() as instance:
        launcher = LocalRunLauncher()
        launcher.register_instance(instance)
        yield launcher, instance


def _run(instance: dg.DagsterInstance, name: str) -> dg.DagsterRun:
    run = dg.DagsterRun(job_name="wiki_job", run_id=name, status=dg.DagsterRunStatus.STARTED)
    return instance.add_run(run)


def _worker_started(instance: dg.DagsterInstance, run: dg.DagsterRun, pid: int, at: float):
    """The event a run worker writes first, as if written at ``at``."""
    event = DagsterEvent(
        event_type_value=DagsterEventType.ENGINE_EVENT.value,
        job_name=run.job_name,
        message=f"{STARTED_PROCESS} (pid: {pid}).",
        event_specific_data=EngineEventData.in_process(pid),
    )
    instance.store_event(
        EventLogEntry(
            error_info=None,
            level="DEBUG",
            user_message="",
            run_id=run.run_id,
            timestamp=at,
            dagster_event=event,
            job_name=run.job_name,
        )
    )


def test_a_live_worker_is_running_and_a_killed_one_failed(launcher):
    launcher, instance = launcher
    worker = subprocess.Popen(["sleep", "60"])
    run = _run(instance, "live-then-killed")
    _worker_started(instance, run, worker.pid, time.time())
    assert launcher.check_run_worker_health(run).status == WorkerStatus.RUNNING
    worker.kill()
    worker.wait()
    health = launcher.check_run_worker_health(run)
    assert health.status == WorkerStatus.FAILED
    assert f"run worker pid {worker.pid} is gone" in str(health.msg)


def test_a_reused_pid_is_not_the_worker(launcher):
    """A process that started after the worker's event is another process with its pid."""
    launcher, instance = launcher
    run = _run(instance, "pid-reused")
    _worker_started(instance, run, os.getpid(), time.time() - 3600)
    assert launcher.check_run_worker_health(run).status == WorkerStatus.FAILED


def test_a_finished_run_and_a_starting_worker_are_left_alone(launcher):
    launcher, instance = launcher
    starting = _run(instance, "starting")
    assert launcher.check_run_worker_health(starting).status == WorkerStatus.RUNNING
    done = _run(instance, "done")
    _worker_started(instance, done, 2**22 + 1, time.time())  # above pid_max's default: no process
    instance.report_run_failed(done)
    assert launcher.check_run_worker_health(done).status == WorkerStatus.SUCCESS


def test_process_start_time_reads_proc():
    assert process_start_time(os.getpid()) <= time.time()
    zombie = subprocess.Popen(["true"])
    time.sleep(0.2)  # exited, not reaped: a zombie is no worker
    assert process_start_time(zombie.pid) is None
    zombie.wait()
    assert process_start_time(zombie.pid) is None
