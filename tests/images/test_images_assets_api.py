"""The images assets through Dagster and the /v1/images endpoints.

One landing zone: the bundled samples (the Wikidata slice, the Chamorro SQL dumps, the whole
Hausa Wikipedia), linked, plus what the samples lack, written by the test in the dumps' real
format: a small wiki `xxwiki` with an imagelinks dump, and a Commons category listing.
"""

import gzip
import json
import shutil

import dagster as dg
import polars as pl
import pytest
from litestar.testing import TestClient

from assets.images.icon_images import icon_images
from assets.images.image_articles import image_articles, image_articles_unique
from assets.images.image_links import image_links, image_links_distinct
from assets.images.image_suggestion_evaluation import image_suggestion_evaluation
from assets.images.image_suggestions import image_suggestions, image_suggestions_well_formed
from assets.images.item_images import item_images, item_images_unique
from assets.images.lead_image import lead_image, lead_image_one_per_article
from assets.images.unillustrated import unillustrated, unillustrated_has_no_picture
from assets.ingest.pages import pages
from resources import build_resources
from serving.app import create_app
from tests.conftest import SAMPLE_CRAWLS, SAMPLE_DUMPS, materialize_partition
from tests.images.sqldumps import (
    CATEGORYLINKS_OLD,
    IMAGELINKS_OLD,
    PAGE_COLUMNS,
    PAGE_PROPS,
    write_sql_dump,
)

WIKI_ASSETS = [
    image_articles,
    image_articles_unique,
    image_links,
    image_links_distinct,
    icon_images,
    lead_image,
    lead_image_one_per_article,
    unillustrated,
    unillustrated_has_no_picture,
]
GLOBAL_ASSETS = [image_suggestions, image_suggestions_well_formed, image_suggestion_evaluation]
WIKIDATA_ASSETS = [item_images, item_images_unique]
WIKIDATA_DUMP = (
    SAMPLE_DUMPS / "wikidatawiki" / "entities" / "20190101" / "wikidata-20190101-all.json.bz2"
)


def publish_sitelinks(data_root):
    """The qrank line's `sitelinks` of the bundled slice, built by its step on the local engine
    and published as its asset would be (without a Dagster run of the qrank line).
    """
    from assets.qrank.sitelinks import write_sitelinks
    from resources.engine import local_engine
    from wikiforge.storage import DataRoot, describe_files

    root = DataRoot(data_root)
    staged = root.staging()
    result = write_sitelinks(local_engine(), WIKIDATA_DUMP, staged / "part-0.parquet")
    root.publish(
        "sitelinks",
        "20190101",
        staged,
        {
            "asset": "sitelinks",
            "partition": "20190101",
            "files": describe_files(staged),
            "rows": result.rows,
            "sources": [{"path": str(WIKIDATA_DUMP), "date": "20190101"}],
            "stats": {},
            "inputs": [],
        },
    )


def _meta(result, asset):
    (event,) = [
        e for e in result.get_asset_materialization_events() if e.asset_key.path[-1] == asset
    ]
    return event.materialization.metadata


def _all_checks_pass(result):
    evaluations = result.get_asset_check_evaluations()
    assert evaluations and all(e.passed for e in evaluations), [
        (e.check_name, e.metadata) for e in evaluations if not e.passed
    ]


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    root = tmp_path_factory.mktemp("landing")
    dumps = _small_landing(root, with_wikidata=False)
    for name in ("chwiki", "hawiki", "wikidatawiki"):
        (dumps / name).symlink_to(SAMPLE_DUMPS / name, target_is_directory=True)
    data_root = root / "data"
    resources = build_resources(
        data_root=data_root, dumps_dir=dumps, crawls_dir=SAMPLE_CRAWLS, engine="local"
    )
    publish_sitelinks(data_root)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("wiki", ["chwiki", "commonswiki", "hawiki", "xxwiki"])
        runs = {
            "xxwiki": materialize_partition(
                WIKI_ASSETS, "xxwiki", instance=instance, resources=resources
            )
        }
        # Suggestions before any Wikidata claims are published: runs, and says so.
        runs["early"] = dg.materialize([image_suggestions], instance=instance, resources=resources)
        runs["wikidata"] = materialize_partition(
            WIKIDATA_ASSETS,
            "20190101",
            instance=instance,
            resources=resources,
            dynamic="wikidata_dump",
        )
        runs["commonswiki"] = materialize_partition(
            WIKI_ASSETS, "commonswiki", instance=instance, resources=resources
        )
        for wiki in ("chwiki", "hawiki"):
            runs[wiki] = materialize_partition(
                [pages, *WIKI_ASSETS], wiki, instance=instance, resources=resources
            )
        runs["global"] = dg.materialize(GLOBAL_ASSETS, instance=instance, resources=resources)
        yield {"runs": runs, "resources": resources, "data_root": data_root}


def test_every_run_succeeds_and_every_check_passes(samples):
    runs = samples["runs"]
    for name, run in runs.items():
        assert run.success, name
        if name not in ("early", "commonswiki"):
            _all_checks_pass(run)
    # Commons' dumps are the category listing, not a wiki: nothing is built for it.
    assert runs["commonswiki"].get_asset_materialization_events() == []
    early = _meta(runs["early"], "image_suggestions")
    assert early["wikidata"].value.startswith("none published")


def test_chamorro_from_sql_dumps_only(samples):
    runs = samples["runs"]
    assert "pages" not in {
        e.asset_key.path[-1] for e in runs["chwiki"].get_asset_materialization_events()
    }
    meta = _meta(runs["chwiki"], "image_articles")
    assert meta["articles"].value == 582 and meta["articles_with_item"].value == 573
    assert meta["items_from"].value == "page_props"
    assert _meta(runs["chwiki"], "image_links")["built_from"].value.startswith("none")
    lead = _meta(runs["chwiki"], "lead_image")
    assert lead["with_lead_image"].value == 403
    assert lead["by_source"].value == {"page_image_free": 403}
    assert _meta(runs["chwiki"], "unillustrated")["unillustrated"].value == 582 - 403 - 8


def test_hausa_from_wikitext_with_items_from_sitelinks(samples):
    runs = samples["runs"]
    articles = _meta(runs["hawiki"], "image_articles")
    assert articles["articles_from"].value.startswith("pages v")  # ran after pages
    assert articles["items_from"].value.startswith("sitelinks 20190101")
    assert articles["articles_with_item"].value == 16
    links = _meta(runs["hawiki"], "image_links")
    assert links["built_from"].value.endswith("wikitext")
    assert links["dagster/row_count"].value > 1000
    assert _meta(runs["hawiki"], "icon_images")["threshold"].value == 3.75


def test_suggestions_coverage_and_versions_in_metadata(samples):
    meta = _meta(samples["runs"]["global"], "image_suggestions")
    rows = {r["wiki"]: r for r in meta["coverage_rows"].value}
    assert set(rows) == {"chwiki", "hawiki", "xxwiki"}
    assert rows["chwiki"]["unillustrated"] == 171 and rows["chwiki"]["articles"] == 582
    assert rows["hawiki"]["with_suggestion"] == 1 and rows["hawiki"]["from_wikidata"] == 1
    assert "| hawiki |" in meta["coverage"].value
    assert meta["wikidata"].value.startswith("item_images 20190101")
    assert meta["commons_listing"].value.startswith(f"commonswiki {DATE}")
    assert set(meta["input_versions"].value["lead_image"]) == {"chwiki", "hawiki", "xxwiki"}
    table = pl.from_arrow(samples["resources"]["store"].require("image_suggestions").table())
    jamus = table.filter(pl.col("page_title") == "Jamus")
    assert jamus["image"].to_list() == [
        "Neuschwanstein_Castle_(532850).jpg",
        "Braniborská_brána.jpg",
    ]
    assert set(jamus["dump_date"]) == {"20150406"}
    assert set(jamus["wikidata_dump_date"]) == {"20190101"}


def test_offline_evaluation_reports_its_base(samples):
    meta = _meta(samples["runs"]["global"], "image_suggestion_evaluation")
    summary = meta["summary"].value
    assert summary["evaluated_articles"] == meta["dagster/row_count"].value > 300
    headline = summary["item_has_p18_or_other_lead"]
    assert headline["articles"] == meta["articles_behind_headline"].value > 0
    assert 0.0 <= headline["recall_at_3"] <= 1.0


def _unillustrated_without_suggestion(data_root, wiki):
    from wikiforge.storage import DataRoot

    table = pl.from_arrow(DataRoot(data_root).current("image_suggestions", None).table())
    rows = table.filter(
        (pl.col("wiki") == wiki) & (pl.col("state") == "unillustrated") & pl.col("image").is_null()
    )
    assert rows.height > 0
    return rows["page_title"][0]


def test_api_article_and_best_first(samples):
    with TestClient(app=create_app(samples["data_root"])) as client:
        found = client.get("/v1/images/hawiki/Jamus")
        assert found.status_code == 200
        body = found.json()
        assert body["article"]["item"] == "Q183" and len(body["checksum"]) == 64
        assert body["article"]["state"] == "unillustrated"
        first = body["article"]["suggestions"][0]
        assert (first["rank"], first["confidence"], first["source"]) == (1, "high", "wikidata")
        assert client.get("/v1/images/hawiki/jamus").json() == body  # title as a reader types it
        # An article that exists answers with its state, even with nothing to suggest.
        sudan = client.get("/v1/images/hawiki/Sudan")
        assert sudan.status_code == 200
        assert (sudan.json()["article"]["state"], sudan.json()["article"]["suggestions"]) == (
            "illustrated",
            [],
        )
        plain = _unillustrated_without_suggestion(samples["data_root"], "hawiki")
        quiet = client.get(f"/v1/images/hawiki/{plain}").json()["article"]
        assert (quiet["state"], quiet["suggestions"]) == ("unillustrated", [])
        # 404 only for an article the dump does not have.
        assert client.get("/v1/images/hawiki/No such article here").status_code == 404
        assert client.get("/v1/images/hawiki/AC/DC").status_code == 404  # slashes are titles
        best = client.get("/v1/images/hawiki", params={"limit": 5}).json()
        assert best["total"] == 1 and best["articles"][0]["page_title"] == "Jamus"
        assert client.get("/v1/images/chwiki").json()["articles"] == []
        missing = client.get("/v1/images/yywiki")
        assert missing.status_code == 404 and missing.json()["name"] == "Not Found"
        for bad in ({"limit": 0}, {"limit": 5000}, {"limit": "many"}):
            assert client.get("/v1/images/hawiki", params=bad).status_code == 400
        assert client.get("/v1/images/hawiki/" + "x" * 600).status_code == 400


# -- part two: imagelinks and a Commons listing, in a landing zone written by the test ------

DATE = "20240601"


def _small_landing(root, with_wikidata=True):
    """A tiny wiki 'xxwiki' (SQL dumps: page, page_props, imagelinks) whose articles are about
    items of the real Wikidata slice, and a Commons listing.
    """
    dumps = root / "dumps"
    if with_wikidata:
        shutil.copytree(SAMPLE_DUMPS / "wikidatawiki", dumps / "wikidatawiki")
    wiki = dumps / "xxwiki" / DATE
    write_sql_dump(
        wiki / f"xxwiki-{DATE}-page.sql.gz",
        "page",
        PAGE_COLUMNS,
        [
            (1, 0, "Germany", 0),
            (2, 0, "Belgium", 0),
            (3, 0, "Brazil", 0),
            (4, 0, "Old_name", 1),
            (5, 0, "Portugal", 0),
            (6, 1, "Talk_page", 0),
        ],
    )
    write_sql_dump(
        wiki / f"xxwiki-{DATE}-page_props.sql.gz",
        "page_props",
        PAGE_PROPS,
        [
            (1, "wikibase_item", "Q183"),
            (2, "wikibase_item", "Q31"),
            (3, "wikibase_item", "Q155"),
            (5, "wikibase_item", "Q45"),
            (5, "page_image_free", "Portugal_coast.jpg"),
            (3, "wikibase_item", "Q155"),
        ],
    )
    write_sql_dump(
        wiki / f"xxwiki-{DATE}-imagelinks.sql.gz",
        "imagelinks",
        IMAGELINKS_OLD,
        [
            (3, "Brazil_beach.jpg", 0),
            (1, "Flag_of_Germany.svg", 0),
            (2, "Flag_of_Germany.svg", 0),
            (3, "Flag_of_Germany.svg", 0),
            (5, "Flag_of_Germany.svg", 0),
            (6, "Talk.jpg", 1),
        ],
    )
    commons = dumps / "commonswiki" / DATE
    write_sql_dump(
        commons / f"commonswiki-{DATE}-page.sql.gz",
        "page",
        PAGE_COLUMNS,
        [
            (10, 6, "Grand_Place_Brussels.jpg", 0),
            (11, 6, "Atomium.jpg", 0),
            (12, 6, "Belgium_locator_map.png", 0),
            (13, 14, "Belgium", 0),
        ],
    )
    write_sql_dump(
        commons / f"commonswiki-{DATE}-categorylinks.sql.gz",
        "categorylinks",
        CATEGORYLINKS_OLD,
        [
            (10, "Belgium", "", "file"),
            (11, "Belgium", "", "file"),
            (12, "Belgium", "", "file"),
            (13, "Countries", "", "subcat"),
        ],
    )
    return dumps


def test_imagelinks_and_commons_listing_end_to_end(samples):
    store = samples["resources"]["store"]
    assert store.current("image_articles", "commonswiki") is None
    assert _meta(samples["runs"]["xxwiki"], "image_links")["built_from"].value.startswith(
        "imagelinks SQL dump (il_to)"
    )
    links = _meta_table(store, "image_links", "xxwiki")
    assert links.select("page_id", "image").rows() == [
        (1, "Flag_of_Germany.svg"),
        (2, "Flag_of_Germany.svg"),
        (3, "Brazil_beach.jpg"),
        (3, "Flag_of_Germany.svg"),
        (5, "Flag_of_Germany.svg"),
    ]
    assert store.current("icon_images", "xxwiki").table().column("image").to_pylist() == [
        "Flag_of_Germany.svg"
    ]  # on 4 of 4 articles; the threshold is 3.75
    unill = _meta_table(store, "unillustrated", "xxwiki")
    assert unill["page_title"].to_list() == ["Germany", "Belgium"]
    table = pl.from_arrow(store.require("image_suggestions").table()).filter(
        pl.col("wiki") == "xxwiki"
    )
    germany = table.filter(pl.col("page_id") == 1)
    assert germany["confidence"].to_list() == ["high", "high"]
    belgium = table.filter(pl.col("page_id") == 2)  # no P18; P373 "Belgium" on Commons
    assert belgium.select("image", "confidence", "source").rows() == [
        ("Grand_Place_Brussels.jpg", "low", "commons"),
        ("Atomium.jpg", "low", "commons"),
    ]


def _meta_table(store, asset, wiki):
    return pl.from_arrow(store.require(asset, wiki).table())


def test_bad_page_props_fails_clearly_and_keeps_the_previous_version(tmp_path):
    dumps = _small_landing(tmp_path, with_wikidata=False)
    resources = build_resources(
        data_root=tmp_path / "data", dumps_dir=dumps, crawls_dir=SAMPLE_CRAWLS, engine="local"
    )
    with dg.instance_for_test() as instance:
        materialize_partition(
            [image_articles], "xxwiki", instance=instance, resources=resources, dynamic="wiki"
        )
        before = resources["store"].require("image_articles", "xxwiki")
        newer = dumps / "xxwiki" / "20240701"
        shutil.copytree(dumps / "xxwiki" / DATE, newer)
        for path in newer.iterdir():
            path.rename(newer / path.name.replace(DATE, "20240701"))
        broken = newer / "xxwiki-20240701-page_props.sql.gz"
        with gzip.open(broken, "rt") as handle:
            text = handle.read().replace("'Q183'),", "'Q183'")
        with gzip.open(broken, "wt") as handle:
            handle.write(text)
        result = materialize_partition(
            [image_articles], "xxwiki", instance=instance, resources=resources, raise_on_error=False
        )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.to_string()
    assert "xxwiki-20240701-page_props.sql.gz" in message and "line" in message
    after = resources["store"].require("image_articles", "xxwiki")
    assert after.version == before.version and after.rows == 4


def test_cli_reads_what_was_published(samples):
    from click.testing import CliRunner

    from cli import main

    runner = CliRunner()
    data = ["--data", str(samples["data_root"])]
    found = runner.invoke(main, ["images", "suggest", "hawiki", "Jamus", *data])
    assert found.exit_code == 0, found.output
    assert json.loads(found.output.splitlines()[0])["suggestions"][0]["source"] == "wikidata"
    sudan = runner.invoke(main, ["images", "suggest", "hawiki", "Sudan", *data])
    assert sudan.exit_code == 0 and json.loads(sudan.output)["state"] == "illustrated"
    unknown = runner.invoke(main, ["images", "suggest", "hawiki", "No such article", *data])
    assert unknown.exit_code == 1
    table = runner.invoke(main, ["images", "coverage", *data])
    assert table.exit_code == 0 and "| chwiki | 582 |" in table.output
    recall = runner.invoke(main, ["images", "evaluation", *data])
    assert json.loads(recall.output)["evaluated_articles"] > 300
    missing = runner.invoke(main, ["images", "coverage", "--data", "/nonexistent/root"])
    assert missing.exit_code != 0 and "not published" in missing.output
