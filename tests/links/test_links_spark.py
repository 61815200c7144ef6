"""The `links` asset gives the same rows on the local engine and on Spark (local[1])."""

from __future__ import annotations

import dagster as dg
import pytest

from assets.ingest.pages import pages
from assets.links.links import links
from assets.links.titles import pageids, redirects
from resources import build_resources
from tests.conftest import SAMPLE_CRAWLS, SAMPLE_DUMPS


def _sorted_rows(stored) -> list[tuple]:
    table = stored.table()
    return sorted(
        zip(*(table.column(name).to_pylist() for name in table.column_names), strict=True)
    )


@pytest.mark.spark
def test_links_identical_on_local_and_spark(tmp_path, spark_engine):
    local = build_resources(
        data_root=tmp_path, dumps_dir=SAMPLE_DUMPS, crawls_dir=SAMPLE_CRAWLS, engine="local"
    )
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("wiki", ["elwiki"])
        assert dg.materialize(
            [pages, pageids, redirects, links],
            partition_key="elwiki",
            instance=instance,
            resources=local,
        ).success
        on_local = _sorted_rows(local["store"].require("links", "elwiki"))
        on_spark_resources = {**local, "engine": spark_engine}
        result = dg.materialize(
            [pages, pageids, redirects, links],
            partition_key="elwiki",
            instance=instance,
            resources=on_spark_resources,
            selection=[links],
        )
        assert result.success
        on_spark = _sorted_rows(local["store"].require("links", "elwiki"))
    assert len(on_local) > 1000
    assert on_spark == on_local
