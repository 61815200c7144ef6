"""One job per partition family: everything keyed by wiki, by Wikidata dump, by month, by crawl.

Jobs select assets by their partitions definition, so a new asset joins the right job by being
declared with the right partitions; nothing here lists assets by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg

from partitions import (
    crawl_partitions,
    encoder_partitions,
    month_partitions,
    wiki_partitions,
    wikidata_dump_partitions,
)

#: Job name -> partitions definition. The order is the order the demo runs them in: page-view
#: months before the Wikidata dump (qrank sums months), both before the wikis (the links line
#: filters by Wikidata classes), the task encoder before the crawls (their index embeds with
#: it), crawls last, then the unpartitioned assets.
JOB_PARTITIONS: dict[str, dg.PartitionsDefinition | None] = {
    "encoder_job": encoder_partitions,
    "month_job": month_partitions,
    "wikidata_job": wikidata_dump_partitions,
    "wiki_job": wiki_partitions,
    "crawl_job": crawl_partitions,
    "global_job": None,
}


#: What the partitions definitions without a name are keyed by.
_UNNAMED = {"month_job": "month", "encoder_job": "text encoder"}


def _job_of(asset: dg.AssetsDefinition) -> str | None:
    return next((name for name, p in JOB_PARTITIONS.items() if asset.partitions_def == p), None)


def _job_assets(assets: Sequence) -> dict[str, list[dg.AssetsDefinition]]:
    by_job: dict[str, list[dg.AssetsDefinition]] = {name: [] for name in JOB_PARTITIONS}
    for asset in assets:
        if isinstance(asset, dg.AssetsDefinition) and (job := _job_of(asset)) is not None:
            by_job[job].append(asset)
    return by_job


def job_dependencies(assets: Sequence) -> dict[str, set[str]]:
    """Job name -> the jobs owning an asset that one of its assets reads. A run waits for the
    runs of these jobs (the sensor and `wikiforge materialize` both ask this, never a list).
    """
    by_job = _job_assets(assets)
    owner = {key: job for job, defs in by_job.items() for asset in defs for key in asset.keys}
    return {
        job: {owner[dep] for asset in defs for dep in asset.dependency_keys if dep in owner} - {job}
        for job, defs in by_job.items()
        if defs
    }


def build_jobs(
    assets: Sequence[dg.AssetsDefinition], op_config: Mapping[str, Mapping[str, Any]] | None = None
) -> list[dg.UnresolvedAssetJobDefinition]:
    """A job for every partition family that has assets. ``op_config`` (asset name -> config)
    is the run config default of the job holding that asset (a run may override it).
    """
    jobs = []
    for name, defs in _job_assets(assets).items():
        partitions_def = JOB_PARTITIONS[name]
        keys = [key for asset in defs for key in asset.keys]
        ops = {
            key.to_python_identifier(): {"config": dict(config)}
            for key in keys
            for asset_name, config in (op_config or {}).items()
            if key.to_user_string() == asset_name
        }
        if keys:
            jobs.append(
                dg.define_asset_job(
                    name,
                    selection=dg.AssetSelection.assets(*keys),
                    config={"ops": ops} if ops else None,
                    # Steps run in the run's process: each step is orchestration around engine
                    # calls (a process pool or Spark does the parallel work), and a process per
                    # step would import the whole code location again for each of ~40 steps.
                    executor_def=dg.in_process_executor,
                    description=f"Materialize every asset partitioned by "
                    f"{getattr(partitions_def, 'name', None) or _UNNAMED.get(name, 'nothing')}.",
                )
            )
    return jobs
