"""The wikiforge asset graph: every asset, check, job, sensor and resource, gathered."""

import dagster as dg

import assets
from jobs import build_jobs, job_dependencies
from resources import build_resources
from sensors import build_global_refresh_sensor, build_landing_sensor


def build_defs(loggers: dict | None = None, **resource_overrides) -> dg.Definitions:
    """Definitions with resources from the environment, or overridden (CLI, tests)."""
    all_assets = dg.load_assets_from_package_module(assets)
    jobs = build_jobs(all_assets)
    return dg.Definitions(
        assets=all_assets,
        asset_checks=dg.load_asset_checks_from_package_module(assets),
        jobs=jobs,
        sensors=[
            sensor
            for sensor in (
                build_landing_sensor(jobs, job_dependencies(all_assets)),
                build_global_refresh_sensor(jobs),
            )
            if sensor is not None
        ],
        resources=build_resources(**resource_overrides),
        loggers=loggers,
    )


defs = build_defs()
