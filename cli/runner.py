"""Run a plan of (job, partition) runs, one after another or several at once.

Runs of different partitions are independent unless the asset graph says otherwise: a run waits
for every run of the jobs its assets read from (`jobs.job_dependencies`, not listed by hand), so the
page-view months run side by side, the wikis run side by side once the Wikidata dump is done, and
crawls run beside everything. Concurrent runs execute in worker processes (each builds the
definitions once and records its runs in the same Dagster instance), which is what two idle
cores want: most steps of one run are single-threaded Python.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field

from wikiforge.settings import Settings

Step = tuple[str, str | None]


@dataclass
class RunOutcome:
    """What one run did: success, time, assets materialized, checks passed and failed."""

    job: str
    partition: str
    success: bool
    seconds: float
    materialized: list[str] = field(default_factory=list)
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def label(self) -> str:
        """The job and partition, as shown on the terminal."""
        return _label(self.job, self.partition or None)

    def summary(self) -> str:
        """One line (two when it failed) for the terminal."""
        status = "ok" if self.success else "FAILED"
        return (
            f"{status} in {self.seconds:.1f}s: {len(self.materialized)} assets, "
            f"{self.checks_passed} checks passed"
            + (f", failed: {', '.join(self.checks_failed)}" if self.checks_failed else "")
            + (f"\n    {self.error}" if self.error else "")
        )


def run_config_for(job, partition: str | None) -> dict:
    """The run config the CLI launches a run with: the job's own for the partition (defaults
    from the settings, as a sensor's run gets them) plus the CLI's loggers.
    """
    config = (
        dict(job.partitioned_config.get_run_config_for_partition_key(partition))
        if (partition and job.partitioned_config)
        else {}
    )
    # The event log keeps everything; the terminal shows only warnings and errors.
    config["loggers"] = {"console": {"config": {"log_level": "WARNING"}}, "progress": {}}
    return config


def run_job(defs, instance, job_name: str, partition: str | None) -> RunOutcome:
    """Execute one run in this process and sum up its events."""
    job = defs.resolve_job_def(job_name)
    started = time.monotonic()
    result = job.execute_in_process(
        instance=instance,
        partition_key=partition,
        raise_on_error=False,
        tags={"wikiforge/launched_by": "cli"},
        run_config=run_config_for(job, partition),
    )
    outcome = RunOutcome(
        job=job_name,
        partition=partition or "",
        success=result.success,
        seconds=time.monotonic() - started,
    )
    outcome.materialized = sorted(
        e.asset_key.to_user_string() for e in result.get_asset_materialization_events()
    )
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            outcome.checks_passed += 1
        else:
            outcome.checks_failed.append(
                f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            )
    if not result.success:
        failures = [e for e in result.all_events if e.is_step_failure]
        outcome.error = (
            "; ".join(
                f"{e.step_key}: {e.step_failure_data.error.message.strip().splitlines()[0]}"
                for e in failures
                if e.step_failure_data and e.step_failure_data.error
            )
            or "run failed"
        )
    return outcome


def run_plan(
    steps: Sequence[Step],
    defs,
    instance,
    *,
    workers: int,
    worker_setup: tuple,
    echo: Callable[[str], None],
) -> list[RunOutcome]:
    """Every step's outcome, in plan order. ``workers`` > 1 runs independent steps at once in
    worker processes built by ``worker_setup`` (the arguments of `_init_worker`).
    """
    total = len(steps)
    if workers <= 1 or total <= 1:
        outcomes = []
        for index, (job_name, partition) in enumerate(steps, 1):
            echo(f"[{index}/{total}] {_label(job_name, partition)} ...")
            outcome = run_job(defs, instance, job_name, partition)
            echo(f"    {outcome.summary()}")
            outcomes.append(outcome)
        return outcomes

    from jobs import job_dependencies

    needs = job_dependencies(defs.assets or [])
    waiting = list(enumerate(steps))
    unfinished = {job: sum(1 for j, _ in steps if j == job) for job, _ in steps}
    outcomes: dict[int, RunOutcome] = {}
    running: dict[Future, int] = {}
    started = 0
    # Spawned, not forked: the parent holds Dagster's threads and open SQLite handles.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=worker_setup
    ) as pool:
        while waiting or running:
            for entry in [e for e in waiting if _ready(e[1][0], needs, unfinished)]:
                if len(running) >= workers:
                    break
                waiting.remove(entry)
                index, (job_name, partition) = entry
                started += 1
                echo(f"[{started}/{total}] {_label(job_name, partition)} started")
                running[pool.submit(_worker_run, job_name, partition)] = index
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                index = running.pop(future)
                job_name, partition = steps[index]
                outcome = future.result()
                unfinished[job_name] -= 1
                outcomes[index] = outcome
                echo(f"    {outcome.label} {outcome.summary()}")
    return [outcomes[i] for i in range(total)]


def _label(job_name: str, partition: str | None) -> str:
    return f"{job_name}[{partition}]" if partition else job_name


def _ready(job_name: str, needs: dict[str, set[str]], unfinished: dict[str, int]) -> bool:
    return all(unfinished.get(upstream, 0) == 0 for upstream in needs.get(job_name, ()))


_WORKER: dict = {}


def _init_worker(settings: Settings) -> None:
    """Build the definitions and open the instance once per worker process."""
    import warnings

    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    from cli.instance import open_instance
    from cli.options import data_location
    from cli.progress import step_progress
    from definitions import build_defs

    _WORKER["instance"] = open_instance(data_location(settings), settings.use_dagster_home)
    _WORKER["defs"] = build_defs(
        loggers={"console": dg.default_loggers()["console"], "progress": step_progress},
        settings=settings,
    )


def _worker_run(job_name: str, partition: str | None) -> RunOutcome:
    from cli import progress

    progress.RUN_LABEL = _label(job_name, partition)
    return run_job(_WORKER["defs"], _WORKER["instance"], job_name, partition)
