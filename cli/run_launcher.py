"""The stack's run launcher: Dagster's default launcher with a run worker health check.

Dagster's ``DefaultRunLauncher`` starts each run's worker as a process of the code location's
server, which the daemon starts; it cannot tell whether that worker still lives, so a run whose
worker died with the daemon (or was killed) stays STARTED for ever. Here every process runs on
one machine, so the check is exact: the worker's pid is in the run's "Started process for run"
event, and the process with that pid must exist and have started before the event (a reused pid
belongs to a later process). With it, the daemon's run monitoring marks a run whose worker is
gone as failed, and run retries start it again (``DAGSTER_YAML`` in ``cli/services.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster import DagsterEventType, DefaultRunLauncher
from dagster._core.launcher.base import CheckRunHealthResult, WorkerStatus
from dagster._core.storage.dagster_run import DagsterRun

#: The engine event a run worker writes first, with its pid in the metadata.
STARTED_PROCESS = "Started process for run"

#: How much earlier than its event a worker may have started and still be the same process.
CLOCK_SLACK_S = 2.0


def process_start_time(pid: int) -> float | None:
    """When the live process ``pid`` started (seconds since the epoch); None if there is no
    such process or it has exited (a zombie).
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (FileNotFoundError, ProcessLookupError, StopIteration):
        return None
    # The command name (field 2) may hold spaces: the fields after it follow its last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):  # state: exited, not yet reaped
        return None
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start time in ticks


class LocalRunLauncher(DefaultRunLauncher):
    """``DefaultRunLauncher`` whose run workers the daemon's run monitoring can check."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        """Yes: run monitoring asks ``check_run_worker_health`` about every started run."""
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        """RUNNING while the run's worker process lives (or has not started yet), SUCCESS once
        the run finished, FAILED when the worker is gone and the run did not finish.
        """
        started = [
            record
            for record in self._instance.all_logs(run.run_id, of_type=DagsterEventType.ENGINE_EVENT)
            if record.message.startswith(STARTED_PROCESS)
        ]
        if not started:  # launched, worker not yet up: run monitoring's start timeout covers it
            return CheckRunHealthResult(WorkerStatus.RUNNING, "the run worker is starting")
        event = started[-1]
        metadata = event.dagster_event.engine_event_data.metadata  # type: ignore[union-attr]
        pid = int(metadata["pid"].value)  # type: ignore[arg-type]
        began = process_start_time(pid)
        if began is not None and began <= event.timestamp + CLOCK_SLACK_S:
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"run worker pid {pid} is running")
        latest = self._instance.get_run_by_id(run.run_id)
        if latest is not None and latest.is_finished:
            return CheckRunHealthResult(WorkerStatus.SUCCESS, f"run worker pid {pid} finished")
        return CheckRunHealthResult(
            WorkerStatus.FAILED,
            f"run worker pid {pid} is gone and the run did not finish (killed, or lost with "
            f"the daemon that launched it)",
        )
