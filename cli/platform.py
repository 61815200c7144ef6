"""`wikiforge demo | materialize | serve`: run the asset graph and the API from a shell."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import click

from cli.instance import open_instance
from cli.options import (
    crawls_option,
    current_settings,
    data_location,
    data_option,
    dumps_option,
)
from cli.runner import RunOutcome, run_plan
from wikiforge.settings import Settings

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


def materialize_landing(
    settings: Settings,
    *,
    wikis: Sequence[str] = (),
    parallel: int | None = None,
    echo=click.echo,
) -> list[RunOutcome]:
    """Materialize every partition the landing zone holds (or the named wikis), in order.

    Runs are recorded in the Dagster instance under the data root, exactly as if the sensor had
    requested them, so the UI shows their lineage afterwards. ``parallel`` runs that many
    independent runs at once (default: `default_parallel_runs`); 1 runs them one by one here.
    """
    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    from definitions import build_defs
    from partitions import crawl_partitions, wiki_partitions, wikidata_dump_partitions
    from sensors import plan_runs
    from wikiforge.landing import Landing

    data_root = data_location(settings)
    if isinstance(data_root, Path):
        data_root.mkdir(parents=True, exist_ok=True)
    instance = open_instance(data_root, settings.use_dagster_home)
    from cli.progress import step_progress

    defs = build_defs(
        loggers={"console": dg.default_loggers()["console"], "progress": step_progress},
        settings=settings,
    )
    dumps_dir = settings.dumps.resolve()
    job_names = {job.name for job in defs.jobs or []}
    landing = Landing(dumps_dir, settings.crawls.resolve())
    plan = [run for run in plan_runs(landing) if run.job in job_names]
    if wikis:
        unknown = set(wikis) - {r.partition for r in plan if r.job == "wiki_job"}
        if unknown:
            raise click.BadParameter(f"not in the landing zone {dumps_dir}: {sorted(unknown)}")
        plan = [r for r in plan if r.job != "wiki_job" or r.partition in wikis]
    for job, partitions_def in (
        ("wiki_job", wiki_partitions),
        ("wikidata_job", wikidata_dump_partitions),
        ("crawl_job", crawl_partitions),
    ):
        keys = sorted({r.partition for r in plan if r.job == job})
        if keys:
            instance.add_dynamic_partitions(partitions_def.name, keys)
    steps: list[tuple[str, str | None]] = [(r.job, r.partition) for r in plan]
    if "global_job" in job_names:
        steps.append(("global_job", None))
    return run_plan(
        steps,
        defs,
        instance,
        workers=default_parallel_runs() if parallel is None else parallel,
        worker_setup=(settings,),
        echo=echo,
    )


def default_parallel_runs() -> int:
    """Runs side by side: one per core, at most two (each run's heavy steps fan out too)."""
    return max(1, min(2, os.cpu_count() or 1))


def print_summary(outcomes: list[RunOutcome], settings: Settings, echo=click.echo) -> None:
    """A short human summary: what was built, which checks passed, where it lives."""
    from wikiforge.storage import open_data_root

    data_root = settings.data_root
    root = open_data_root(data_root, settings.cache)
    echo("")
    echo(f"Built under {data_root}:")
    assets = sorted({a for o in outcomes for a in o.materialized})
    for asset in assets:
        parts = root.partitions(asset)
        if not parts:
            continue  # nothing stored (a check of the landing zone, e.g. wiki_dump)
        rows = [root.current(asset, p).rows for p in parts]
        counted = [r for r in rows if r is not None]
        detail = f"{sum(counted):,} rows" if counted else "files"
        shown = ", ".join(p for p in parts if p != "_") or "unpartitioned"
        echo(f"  {asset:<28} {detail:>14}  [{shown}]")
    passed = sum(o.checks_passed for o in outcomes)
    failed = [c for o in outcomes for c in o.checks_failed]
    runs_failed = [o for o in outcomes if not o.success]
    echo(
        f"Asset checks: {passed} passed, {len(failed)} failed"
        + (f" ({', '.join(failed)})" if failed else "")
    )
    echo(f"Runs: {len(outcomes) - len(runs_failed)} succeeded, {len(runs_failed)} failed")
    echo(f"See them in the UI:  DAGSTER_HOME={data_root}/.dagster .venv/bin/dg dev --no-check-yaml")
    echo(f"Serve the API:       .venv/bin/wikiforge serve --data {data_root}")


ENGINE = click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default=None,
    help="Where heavy steps run (default: $WIKIFORGE_ENGINE, else local).",
)
PARALLEL = click.option(
    "--parallel",
    type=int,
    default=None,
    help="Independent runs at once (default: one per core, at most 2; 1 = one by one).",
)


@click.command()
@data_option
@ENGINE
@PARALLEL
def demo(data: str | None, engine: str | None, parallel: int | None) -> None:
    """Materialize the whole asset graph on the bundled sample data (samples/)."""
    settings = current_settings(
        data=data, engine=engine, dumps=SAMPLES / "dumps", crawls=SAMPLES / "crawls"
    )
    outcomes = materialize_landing(settings, parallel=parallel)
    print_summary(outcomes, settings)
    sys.exit(0 if all(o.success for o in outcomes) else 1)


@click.command()
@dumps_option
@crawls_option
@data_option
@click.option("--wiki", "wikis", multiple=True, help="Only these wikis (repeatable).")
@ENGINE
@PARALLEL
def materialize(
    dumps: Path | None,
    crawls: Path | None,
    data: str | None,
    wikis: tuple[str, ...],
    engine: str | None,
    parallel: int | None,
):
    """Materialize everything the landing zone holds, or the named wikis."""
    settings = current_settings(data=data, dumps=dumps, crawls=crawls, engine=engine)
    if not settings.dumps.is_dir():
        raise click.BadParameter(f"{settings.dumps} is not a directory", param_hint="--dumps")
    try:
        outcomes = materialize_landing(settings, wikis=wikis, parallel=parallel)
    except Exception as exc:
        if not _out_of_space(exc):
            raise
        # The Dagster instance (under the data root unless DAGSTER_HOME says otherwise) could
        # not record the run. Versions are published whole or not at all, so what is there is
        # consistent; say so instead of a database trace.
        click.echo(
            f"wikiforge materialize: no space left on the data root {settings.data_root} (or "
            f"the Dagster instance): {exc}\nEvery published version is complete (a version is "
            "swapped in whole or not at all) and the previous ones are still served. Free "
            "space, then rerun.",
            err=True,
        )
        sys.exit(1)
    print_summary(outcomes, settings)
    sys.exit(0 if all(o.success for o in outcomes) else 1)


def _out_of_space(exc: BaseException) -> bool:
    """A full disk, whether met by our writes or by the Dagster instance's SQLite."""
    from wikiforge.storage import is_disk_full

    seen: BaseException | None = exc
    while seen is not None:
        if is_disk_full(seen) or "database or disk is full" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@click.command()
@data_option
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Loopback unless told otherwise."
)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(data: str | None, host: str, port: int, workers: int) -> None:
    """Serve the API over the materialized assets under --data."""
    import uvicorn

    settings = current_settings(data=data)
    # Each server process builds its app from the environment (uvicorn's factory).
    os.environ["WIKIFORGE_DATA"] = settings.data_root
    uvicorn.run(
        "serving.app:server_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
    )
