"""`wikiforge demo | materialize | serve`: run the asset graph and the API from a shell."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import click

from cli.instance import open_instance
from cli.runner import RunOutcome, run_plan

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


def materialize_landing(
    data_root: Path | str,
    dumps_dir: Path,
    crawls_dir: Path,
    *,
    wikis: Sequence[str] = (),
    engine: str | None = None,
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

    if isinstance(data_root, Path):
        data_root.mkdir(parents=True, exist_ok=True)
    instance = open_instance(data_root)
    from cli.progress import step_progress

    defs = build_defs(
        loggers={"console": dg.default_loggers()["console"], "progress": step_progress},
        data_root=data_root,
        dumps_dir=dumps_dir,
        crawls_dir=crawls_dir,
        engine=engine,
    )
    job_names = {job.name for job in defs.jobs or []}
    plan = [run for run in plan_runs(Landing(dumps_dir, crawls_dir)) if run.job in job_names]
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
        worker_setup=(data_root, dumps_dir, crawls_dir, engine),
        echo=echo,
    )


def default_parallel_runs() -> int:
    """Runs side by side: one per core, at most two (each run's heavy steps fan out too)."""
    return max(1, min(2, os.cpu_count() or 1))


def print_summary(outcomes: list[RunOutcome], data_root: Path | str, echo=click.echo) -> None:
    """A short human summary: what was built, which checks passed, where it lives."""
    from wikiforge.storage import open_data_root

    root = open_data_root(data_root)
    echo("")
    echo(f"Built under {data_root}:")
    assets = sorted({a for o in outcomes for a in o.materialized})
    for asset in assets:
        parts = root.partitions(asset)
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


@click.command()
@click.option(
    "--data", "data_dir", default="data", show_default=True, type=click.Path(path_type=Path)
)
@click.option("--engine", type=click.Choice(["local", "spark"]), default=None)
@click.option(
    "--parallel",
    type=int,
    default=None,
    help="Independent runs at once (default: one per core, at most 2; 1 = one by one).",
)
def demo(data_dir: Path, engine: str | None, parallel: int | None) -> None:
    """Materialize the whole asset graph on the bundled sample data (samples/)."""
    outcomes = materialize_landing(
        data_dir.resolve(), SAMPLES / "dumps", SAMPLES / "crawls", engine=engine, parallel=parallel
    )
    print_summary(outcomes, data_dir.resolve())
    sys.exit(0 if all(o.success for o in outcomes) else 1)


@click.command()
@click.option(
    "--dumps", "dumps_dir", default="dumps", show_default=True, type=click.Path(path_type=Path)
)
@click.option(
    "--crawls", "crawls_dir", default="crawls", show_default=True, type=click.Path(path_type=Path)
)
@click.option(
    "--data",
    "data_dir",
    default="data",
    show_default=True,
    help="Data root: a directory, or a URL fsspec reaches (s3://..., hdfs://...).",
)
@click.option("--wiki", "wikis", multiple=True, help="Only these wikis (repeatable).")
@click.option("--engine", type=click.Choice(["local", "spark"]), default=None)
@click.option(
    "--parallel",
    type=int,
    default=None,
    help="Independent runs at once (default: one per core, at most 2; 1 = one by one).",
)
def materialize(
    dumps_dir: Path,
    crawls_dir: Path,
    data_dir: str,
    wikis: tuple[str, ...],
    engine,
    parallel: int | None,
):
    """Materialize everything the landing zone holds, or the named wikis."""
    if not dumps_dir.is_dir():
        raise click.BadParameter(f"{dumps_dir} is not a directory", param_hint="--dumps")
    data: Path | str = data_dir if "://" in data_dir else Path(data_dir).resolve()
    try:
        outcomes = materialize_landing(
            data,
            dumps_dir.resolve(),
            crawls_dir.resolve(),
            wikis=wikis,
            engine=engine,
            parallel=parallel,
        )
    except Exception as exc:
        if not _out_of_space(exc):
            raise
        # The Dagster instance (under the data root unless DAGSTER_HOME says otherwise) could
        # not record the run. Versions are published whole or not at all, so what is there is
        # consistent; say so instead of a database trace.
        click.echo(
            f"wikiforge materialize: no space left on the data root {data} (or the Dagster "
            f"instance): {exc}\nEvery published version is complete (a version is swapped in "
            "whole or not at all) and the previous ones are still served. Free space, then "
            "rerun.",
            err=True,
        )
        sys.exit(1)
    print_summary(outcomes, data)
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
@click.option(
    "--data", "data_dir", default="data", show_default=True, type=click.Path(path_type=Path)
)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Loopback unless told otherwise."
)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(data_dir: Path, host: str, port: int, workers: int) -> None:
    """Serve the API over the materialized assets under --data."""
    import uvicorn

    os.environ["WIKIFORGE_DATA"] = str(data_dir.resolve())
    uvicorn.run(
        "serving.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
    )
