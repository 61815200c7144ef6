"""A landing zone with a Wikidata dump but no page views: the ranking steps are skipped, not
failed, and say why.
"""

import dagster as dg

from assets.qrank.qrank import qrank, qrank_stats, qrank_valid
from assets.qrank.qviews import qviews
from assets.qrank.sitelinks import sitelinks
from resources import build_resources
from tests.conftest import SAMPLE_CRAWLS, materialize_partition
from tests.images.test_images_assets_api import publish_sitelinks


def test_no_page_views_skips_the_ranking_and_says_why(tmp_path):
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    resources = build_resources(
        data_root=tmp_path / "data", dumps_dir=dumps, crawls_dir=SAMPLE_CRAWLS, engine="local"
    )
    publish_sitelinks(tmp_path / "data")
    with dg.instance_for_test() as instance:
        result = materialize_partition(
            [sitelinks, qviews, qrank, qrank_valid, qrank_stats],
            "20190101",
            instance=instance,
            resources=resources,
            dynamic="wikidata_dump",
            selection=[qviews, qrank, qrank_valid, qrank_stats],
        )
        assert result.success
        assert result.get_asset_materialization_events() == []
        observed = {
            event.asset_observation_data.asset_observation.asset_key.path[-1]: (
                event.asset_observation_data.asset_observation.metadata["skipped"].value
            )
            for event in result.all_events
            if event.event_type_value == "ASSET_OBSERVATION"
        }
        assert set(observed) == {"qviews", "qrank", "qrank_stats"}
        assert all("no pageviews_month" in reason for reason in observed.values())
    assert resources["store"].current("qrank", "20190101") is None
