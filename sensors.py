"""The landing-zone sensor: new wikis, dumps, months and crawls become partitions and runs.

What it has handled is kept in its cursor as the full map ``scope -> fingerprint`` (never only
the latest files), so a file already handled never triggers again, and a newer dump date for a
known wiki, or a new file in a known month or crawl, does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg
from dagster._core.events import RunFailureReason
from dagster._core.execution.retries import auto_reexecution_should_retry_run
from dagster._core.storage.tags import PARENT_RUN_ID_TAG, RUN_FAILURE_REASON_TAG, WILL_RETRY_TAG

from partitions import crawl_partitions, wiki_partitions, wikidata_dump_partitions
from resources.landing import LandingZone
from wikiforge.landing import Landing, fingerprint
from wikiforge.tasks.encoder import DEFAULT_ENCODER_KEY, encoder_fingerprint


@dataclass(frozen=True)
class PlannedRun:
    """A run the landing zone calls for: which job, which partition, and why (its scope)."""

    job: str
    partition: str
    scope: str  # e.g. "wiki/hawiki"
    fingerprint: str  # changes when the files behind the scope change

    @property
    def run_key(self) -> str:
        """The sensor's run key: the scope at this fingerprint (never requested twice)."""
        return f"{self.scope}@{self.fingerprint}"


def plan_runs(landing: Landing) -> list[PlannedRun]:
    """Every run the landing zone's current files call for, in dependency order."""
    runs = [
        PlannedRun("month_job", m.month, f"month/{m.month}", fingerprint(m.files))
        for m in landing.pageview_months().values()
    ]
    runs += [
        PlannedRun("wikidata_job", d.date, f"wikidata/{d.date}", fingerprint([d.path]))
        for d in landing.wikidata_dumps()
    ]
    for wiki, dumps in landing.wiki_dumps().items():
        latest = dumps[-1]  # only the newest dump of a wiki is materialized
        runs.append(
            PlannedRun(
                "wiki_job", wiki, f"wiki/{wiki}", f"{latest.date}-{fingerprint(latest.files)}"
            )
        )
    crawls = landing.crawls()
    if crawls:
        # The task encoder, before the crawls whose index embeds with it: once per set of
        # package versions that determine its bytes (so a package upgrade rebuilds it).
        key = DEFAULT_ENCODER_KEY
        runs.append(PlannedRun("encoder_job", key, f"encoder/{key}", encoder_fingerprint()))
    runs += [
        PlannedRun("crawl_job", name, f"crawl/{name}", fingerprint(crawl.files))
        for name, crawl in crawls.items()
    ]
    return runs


DYNAMIC_BY_JOB = {
    "wiki_job": wiki_partitions,
    "wikidata_job": wikidata_dump_partitions,
    "crawl_job": crawl_partitions,
}


def build_landing_sensor(
    jobs: list, needs: dict[str, set[str]], interval_s: int = 30
) -> dg.SensorDefinition:
    """The landing-zone sensor, targeting the partition-family jobs that exist; ``needs`` is
    `jobs.job_dependencies` (a run is requested only once the runs it reads from are done);
    it checks the landing zone every ``interval_s`` seconds (``WIKIFORGE_SENSOR_INTERVAL_S``).
    """
    job_names = {job.name for job in jobs}

    @dg.sensor(
        jobs=jobs,
        minimum_interval_seconds=interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def landing_sensor(
        context: dg.SensorEvaluationContext, landing: LandingZone
    ) -> dg.SensorResult:
        """Watches the landing zone; adds partitions for new wikis, Wikidata dumps and crawls,
        and requests runs for new or newer files.
        """
        return evaluate_landing(context, landing.landing, job_names, needs)

    return landing_sensor


#: Run states in which a run's outputs are not published yet.
_IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


#: How long a failed run marked for a retry counts as in flight while its retry is not
#: launched yet (the daemon launches it within seconds; this bounds a retry that never comes).
RETRY_GRACE_S = 600.0


def _in_flight(instance: dg.DagsterInstance, job: str) -> bool:
    """Whether ``job`` has a run that may still publish: one not finished, or one that failed
    and that run retries will start again (between its failure and its retry's launch no run
    of the job is in flight, and what reads from it would start on missing inputs).
    """
    if instance.get_runs(dg.RunsFilter(job_name=job, statuses=_IN_FLIGHT), limit=1):
        return True
    failed = instance.get_runs(
        dg.RunsFilter(
            job_name=job,
            statuses=[dg.DagsterRunStatus.FAILURE],
            updated_after=datetime.now(UTC) - timedelta(seconds=RETRY_GRACE_S),
        ),
        limit=5,
    )
    return any(
        _will_retry(instance, run)
        and not instance.get_run_ids(dg.RunsFilter(tags={PARENT_RUN_ID_TAG: run.run_id}), limit=1)
        for run in failed
    )


def _will_retry(instance: dg.DagsterInstance, run: dg.DagsterRun) -> bool:
    """Whether run retries start ``run`` again: its tag once the daemon decided, else the rule
    the daemon applies (it tags a run some seconds after the run failed).
    """
    if WILL_RETRY_TAG in run.tags:
        return run.tags[WILL_RETRY_TAG] == "true"
    if not instance.run_retries_enabled:
        return False
    reason = run.tags.get(RUN_FAILURE_REASON_TAG)
    return bool(
        auto_reexecution_should_retry_run(
            instance, run, RunFailureReason(reason) if reason else None
        )
    )


def evaluate_landing(
    context: dg.SensorEvaluationContext,
    landing: Landing,
    job_names: set[str],
    needs: dict[str, set[str]] | None = None,
) -> dg.SensorResult:
    """One sensor tick: the runs and partitions the files call for that were not handled yet.

    A run whose job reads from a job with a run requested in this tick or still in flight (or
    failed and about to be retried) waits for a later tick (it stays unhandled in the cursor): a
    new Wikidata dump and a new wiki arriving together run dump first, then wiki, instead of the
    wiki failing on missing inputs.
    """
    handled: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    needs = needs or {}
    new_keys: dict[str, set[str]] = {job: set() for job in DYNAMIC_BY_JOB}
    requests = []
    busy: set[str] = set()  # jobs with a run requested now or not finished
    upstream = set().union(*needs.values()) if needs else set()
    for job in upstream & job_names:
        if _in_flight(context.instance, job):
            busy.add(job)
    for run in plan_runs(landing):
        if run.job not in job_names or handled.get(run.scope) == run.fingerprint:
            continue
        waits = bool(needs.get(run.job, set()) & busy)
        busy.add(run.job)  # what reads from this job waits too, requested now or deferred
        if waits:
            continue  # asked again on a later tick, once what it reads is published
        partitions_def = DYNAMIC_BY_JOB.get(run.job)
        if partitions_def is not None and not context.instance.has_dynamic_partition(
            partitions_def.name, run.partition
        ):
            new_keys[run.job].add(run.partition)
        requests.append(
            dg.RunRequest(
                run_key=run.run_key,
                job_name=run.job,
                partition_key=run.partition,
                tags={"wikiforge/scope": run.scope},
            )
        )
        handled[run.scope] = run.fingerprint
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[
            DYNAMIC_BY_JOB[job].build_add_request(sorted(keys))
            for job, keys in new_keys.items()
            if keys
        ],
        cursor=json.dumps(handled, sort_keys=True),
    )


#: Run states before a run reads anything.
WAITING_TO_START = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.STARTING,
]


def build_global_refresh_sensor(jobs: list, interval_s: int = 30) -> dg.SensorDefinition | None:
    """After any partition run succeeds, refresh the unpartitioned assets (cross-wiki image
    suggestions, entity PageRank...) from what is now published. None when there are none.
    It looks for finished runs every ``interval_s`` seconds (``WIKIFORGE_SENSOR_INTERVAL_S``).
    """
    by_name = {job.name: job for job in jobs}
    if "global_job" not in by_name:
        return None
    monitored = [by_name[name] for name in DYNAMIC_BY_JOB if name in by_name]
    monitored += [by_name["month_job"]] if "month_job" in by_name else []

    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=monitored,
        request_job=by_name["global_job"],
        default_status=dg.DefaultSensorStatus.RUNNING,
        name="global_refresh_sensor",
        minimum_interval_seconds=interval_s,
    )
    def global_refresh_sensor(
        context: dg.RunStatusSensorContext,
    ) -> dg.RunRequest | dg.SkipReason:
        """Requests the global job after each successful partition run, unless a global run is
        still waiting to start: that run reads what is published when it starts, so it already
        covers this partition (a burst of partition runs gives one refresh, not one each).
        """
        waiting = context.instance.get_run_ids(
            dg.RunsFilter(job_name="global_job", statuses=WAITING_TO_START), limit=1
        )
        if waiting:
            return dg.SkipReason(f"global run {waiting[0]} has not started yet; it covers this")
        return dg.RunRequest(run_key=f"after-{context.dagster_run.run_id}")

    return global_refresh_sensor
