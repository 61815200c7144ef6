"""The definitions load, and every asset is described the way the project requires."""

import dagster as dg

import definitions


def test_definitions_load():
    dg.Definitions.validate_loadable(definitions.defs)
    graph = definitions.defs.resolve_asset_graph()
    assert dg.AssetKey("pages") in graph.get_all_asset_keys()


def test_every_asset_has_docstring_group_kinds_and_partitions_or_reason():
    graph = definitions.defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.is_external:
            continue
        spec = node.to_asset_spec() if hasattr(node, "to_asset_spec") else None
        assert node.description, f"{key.to_user_string()} has no docstring"
        assert node.group_name and node.group_name != "default", f"{key} has no group"
        assert node.kinds, f"{key.to_user_string()} declares no kinds"
        del spec


def test_jobs_cover_every_partition_family_that_has_assets():
    names = {job.name for job in definitions.defs.jobs}
    assert "wiki_job" in names
    sensor = definitions.defs.get_sensor_def("landing_sensor")
    assert {j.name for j in sensor.jobs} == names


def test_run_order_is_read_off_the_asset_graph():
    """`wikiforge materialize` runs partitions side by side only where no asset of one job reads
    an asset of another: months before the Wikidata dump (qrank sums months), the dump before the
    wikis (the links line filters by Wikidata classes), the task encoder before the crawls, crawls
    beside everything else.
    """
    from jobs import job_dependencies

    needs = job_dependencies(definitions.defs.assets)
    graph = definitions.defs.resolve_asset_graph()
    for job in definitions.defs.jobs:  # the same as the resolved asset graph says
        keys = set(definitions.defs.resolve_job_def(job.name).asset_layer.executable_asset_keys)
        reads = {p for key in keys for p in graph.get(key).parent_keys} - keys
        owners = {
            other.name
            for other in definitions.defs.jobs
            if reads
            & set(definitions.defs.resolve_job_def(other.name).asset_layer.executable_asset_keys)
        }
        assert needs[job.name] == owners - {job.name}, job.name
    assert needs["month_job"] == set()
    assert needs["wikidata_job"] == {"month_job"}
    assert "wikidata_job" in needs["wiki_job"]
    assert needs["encoder_job"] == set()
    assert needs["crawl_job"] == {"encoder_job"}  # the task index embeds with the task encoder
    assert {"wiki_job", "wikidata_job"} <= needs["global_job"]


def test_dg_check_defs_passes():
    """The same gate CI and developers run by hand."""
    import subprocess
    import sys
    from pathlib import Path

    dg_cli = Path(sys.executable).with_name("dg")
    result = subprocess.run(
        [str(dg_cli), "check", "defs", "--no-check-yaml"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All definitions loaded successfully" in result.stdout + result.stderr
