"""The landing-zone sensor: new partitions and runs, never twice for the same files."""

import json
import shutil

import dagster as dg
from dagster._core.storage.tags import PARENT_RUN_ID_TAG, WILL_RETRY_TAG

from sensors import evaluate_landing
from tests.conftest import SAMPLE_DUMPS
from wikiforge.landing import Landing

JOBS = {"wiki_job", "wikidata_job", "month_job", "crawl_job"}


def _tick(instance, landing, cursor=None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    result = evaluate_landing(context, landing, JOBS)
    for request in result.dynamic_partitions_requests:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return result


def _copy_wiki(src_root, dst_root, wiki, date):
    shutil.copytree(src_root / wiki / date, dst_root / wiki / date)


def test_new_wiki_adds_partition_and_requests_one_run(tmp_path, instance):
    _copy_wiki(SAMPLE_DUMPS, tmp_path, "hawiki", "20150406")
    landing = Landing(tmp_path)
    first = _tick(instance, landing)
    assert [(r.job_name, r.partition_key) for r in first.run_requests] == [("wiki_job", "hawiki")]
    assert instance.get_dynamic_partitions("wiki") == ["hawiki"]
    # Same files, next tick: nothing.
    second = _tick(instance, landing, first.cursor)
    assert second.run_requests == [] and second.dynamic_partitions_requests == []


def test_newer_dump_date_for_known_wiki_triggers_again(tmp_path, instance):
    _copy_wiki(SAMPLE_DUMPS, tmp_path, "hawiki", "20150406")
    landing = Landing(tmp_path)
    first = _tick(instance, landing)
    newer = tmp_path / "hawiki" / "20150501"
    newer.mkdir()
    shutil.copy(
        SAMPLE_DUMPS / "hawiki/20150406/hawiki-20150406-pages-articles.xml.bz2",
        newer / "hawiki-20150501-pages-articles.xml.bz2",
    )
    second = _tick(instance, landing, first.cursor)
    assert [(r.job_name, r.partition_key) for r in second.run_requests] == [("wiki_job", "hawiki")]
    assert "20150501" in second.run_requests[0].run_key
    assert second.dynamic_partitions_requests == []  # the partition already exists
    third = _tick(instance, landing, second.cursor)
    assert third.run_requests == []


def test_cursor_keeps_every_handled_scope(tmp_path, instance):
    """Handling a new wiki must not forget older ones (a cursor of only the latest files would)."""
    _copy_wiki(SAMPLE_DUMPS, tmp_path, "hawiki", "20150406")
    first = _tick(instance, Landing(tmp_path))
    _copy_wiki(SAMPLE_DUMPS, tmp_path, "nvwiki", "20150602")
    second = _tick(instance, Landing(tmp_path), first.cursor)
    assert [r.partition_key for r in second.run_requests] == ["nvwiki"]
    assert set(json.loads(second.cursor)) == {"wiki/hawiki", "wiki/nvwiki"}
    assert _tick(instance, Landing(tmp_path), second.cursor).run_requests == []


def test_whole_sample_landing_zone(instance):
    from tests.conftest import SAMPLE_CRAWLS

    result = _tick(instance, Landing(SAMPLE_DUMPS, SAMPLE_CRAWLS))
    jobs = {(r.job_name, r.partition_key) for r in result.run_requests}
    assert ("wikidata_job", "20190101") in jobs
    assert ("month_job", "2023-03-01") in jobs
    assert ("crawl_job", "sample-warc") in jobs
    assert {p for j, p in jobs if j == "wiki_job"} == {
        "chwiki",
        "elwiki",
        "enwiki",
        "hawiki",
        "jawiki",
        "nvwiki",
        "ukwiki",
    }


def test_runs_wait_for_the_runs_they_read_from(instance):
    """A whole landing zone arriving at once: months and the task encoder first, then the
    Wikidata dump and the crawls, then the wikis; nothing while an upstream run is in flight.
    """
    import assets
    from jobs import job_dependencies
    from tests.conftest import SAMPLE_CRAWLS

    needs = job_dependencies(dg.load_assets_from_package_module(assets))
    names = set(needs)
    landing = Landing(SAMPLE_DUMPS, SAMPLE_CRAWLS)

    def tick(cursor):
        context = dg.build_sensor_context(instance=instance, cursor=cursor)
        result = evaluate_landing(context, landing, names, needs)
        for request in result.dynamic_partitions_requests:
            instance.add_dynamic_partitions(
                request.partitions_def_name, list(request.partition_keys)
            )
        return result, {r.job_name for r in result.run_requests}

    first, jobs = tick(None)
    assert jobs == {"month_job", "encoder_job"}
    second, jobs = tick(first.cursor)
    assert jobs == {"wikidata_job", "crawl_job"}
    # The Wikidata dump's run is still going: the wikis wait for it.
    running = dg.DagsterRun(
        job_name="wikidata_job", run_id="0" * 8 + "-running", status=dg.DagsterRunStatus.STARTED
    )
    instance.add_run(running)
    third, jobs = tick(second.cursor)
    assert jobs == set() and third.cursor == second.cursor
    instance.delete_run(running.run_id)
    # It failed, and run retries will start it again: until the retry is launched, still wait.
    failed = dg.DagsterRun(
        job_name="wikidata_job",
        run_id="1" * 8 + "-failed",
        status=dg.DagsterRunStatus.FAILURE,
        tags={WILL_RETRY_TAG: "true"},
    )
    instance.add_run(failed)
    assert tick(third.cursor)[1] == set()
    # ... also before the daemon has tagged it, when the instance's retries would retry it.
    instance.delete_run(failed.run_id)
    untagged = dg.DagsterRun(
        job_name="wikidata_job", run_id="3" * 8 + "-untagged", status=dg.DagsterRunStatus.FAILURE
    )
    instance.add_run(untagged)
    assert tick(third.cursor)[1] == {"wiki_job"}  # this instance has no run retries
    with dg.instance_for_test(
        overrides={"run_retries": {"enabled": True, "max_retries": 2}}
    ) as retrying:
        retrying.add_run(untagged)
        context = dg.build_sensor_context(instance=retrying, cursor=third.cursor)
        assert evaluate_landing(context, landing, names, needs).run_requests == []
    instance.delete_run(untagged.run_id)
    instance.add_run(failed)
    retry = dg.DagsterRun(
        job_name="wikidata_job",
        run_id="2" * 8 + "-retry",
        status=dg.DagsterRunStatus.SUCCESS,
        tags={PARENT_RUN_ID_TAG: failed.run_id},
    )
    instance.add_run(retry)
    fourth, jobs = tick(third.cursor)
    assert jobs == {"wiki_job"} and len(fourth.run_requests) == 7
    assert tick(fourth.cursor)[1] == set()


def test_global_assets_refresh_after_a_partition_run_succeeds(instance):
    from sensors import build_global_refresh_sensor

    @dg.asset
    def tiny() -> int:
        return 1

    wiki_job = dg.define_asset_job("wiki_job", selection=[tiny])
    global_job = dg.define_asset_job("global_job", selection=[tiny])
    sensor = build_global_refresh_sensor([wiki_job, global_job])
    resolved = dg.Definitions(assets=[tiny], jobs=[wiki_job, global_job]).resolve_job_def(
        "wiki_job"
    )
    result = resolved.execute_in_process(instance=instance)
    context = dg.build_run_status_sensor_context(
        sensor_name=sensor.name,
        dagster_event=result.get_run_success_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    )
    request = sensor(context)
    assert request.run_key == f"after-{result.run_id}"
    # A global run requested earlier and not started yet covers this partition too: no second.
    queued = dg.DagsterRun(
        job_name="global_job", run_id="0" * 8 + "-waiting", status=dg.DagsterRunStatus.NOT_STARTED
    )
    instance.add_run(queued)
    assert isinstance(sensor(context), dg.SkipReason)
    # Once it has started it may have read the state before this run published: refresh again.
    instance.handle_run_event(
        queued.run_id,
        dg.DagsterEvent(
            event_type_value=dg.DagsterEventType.RUN_START.value, job_name="global_job"
        ),
    )
    assert instance.get_run_by_id(queued.run_id).status == dg.DagsterRunStatus.STARTED
    assert sensor(context).run_key == f"after-{result.run_id}"
    assert build_global_refresh_sensor([wiki_job]) is None
