"""The wikiforge asset graph: every asset, check, job, sensor and resource, gathered."""

import dagster as dg

import assets
from jobs import build_jobs, job_dependencies
from resources import build_resources
from sensors import build_global_refresh_sensor, build_landing_sensor
from wikiforge.settings import Settings


def build_defs(
    loggers: dict | None = None, settings: Settings | None = None, **resource_overrides
) -> dg.Definitions:
    """Definitions from the settings (default: the environment's), with resource arguments
    (``build_resources``) overriding them (CLI, tests).
    """
    settings = settings or Settings.from_env()
    all_assets = dg.load_assets_from_package_module(assets)
    # Per-run choices whose default is a deployment setting.
    jobs = build_jobs(all_assets, op_config={"task_index": {"encoder": settings.task_encoder}})
    return dg.Definitions(
        assets=all_assets,
        asset_checks=dg.load_asset_checks_from_package_module(assets),
        jobs=jobs,
        sensors=[
            sensor
            for sensor in (
                build_landing_sensor(
                    jobs, job_dependencies(all_assets), settings.sensor_interval_s
                ),
                build_global_refresh_sensor(jobs, settings.sensor_interval_s),
            )
            if sensor is not None
        ],
        resources=build_resources(settings, **resource_overrides),
        loggers=loggers,
    )


defs = build_defs()
