"""Articles, imagelinks, icons, lead images, unillustrated articles and Wikidata claims, on the
real Chamorro dumps and the real Wikidata slice, plus hand-made dumps where the samples have
none (imagelinks in both schemas).
"""

import gzip

import polars as pl
import pytest

from tests.conftest import SAMPLE_DUMPS
from tests.images.sqldumps import (
    IMAGELINKS_NEW,
    IMAGELINKS_OLD,
    LINKTARGET,
    write_sql_dump,
)
from wikiforge.errors import InputError
from wikiforge.images.articles import (
    articles_from_page_dump,
    assemble_articles,
    items_from_sitelinks,
    read_page_props,
    sitelink_prefix,
)
from wikiforge.images.lead import (
    icon_images,
    icon_threshold,
    illustrated_files,
    lead_images,
    unillustrated,
)
from wikiforge.images.links import read_imagelinks
from wikiforge.images.wikidata import build_item_images

CH = SAMPLE_DUMPS / "chwiki" / "20240501"
WIKIDATA = (
    SAMPLE_DUMPS / "wikidatawiki" / "entities" / "20190101" / "wikidata-20190101-all.json.bz2"
)


def test_chamorro_articles_items_and_page_images():
    articles = articles_from_page_dump(CH / "chwiki-20240501-page.sql.gz")
    props, stats = read_page_props(CH / "chwiki-20240501-page_props.sql.gz")
    # 662 ns0 pages, 80 of them redirects (reference notes, section C).
    assert articles.height == 582
    assert (stats.wikibase_item, stats.page_image_free, stats.page_image) == (898, 403, 0)
    table = pl.from_arrow(assemble_articles(articles, props))
    assert table.height == 582
    assert table["item"].is_not_null().sum() == 573
    guam = table.filter(pl.col("page_id") == 937).row(0, named=True)
    assert guam["page_image_free"] == "Flag_of_Guam.svg" and guam["item"].startswith("Q")
    assert " " in " ".join(table["page_title"].to_list())  # titles with spaces, not underscores


def test_items_from_sitelinks_use_the_qrank_join_key():
    articles = pl.DataFrame({"page_id": [1, 2, 3], "page_title": ["Jamus", "jamus", "Nowhere"]})
    sitelinks = pl.DataFrame(
        {"key": ["ha.wikipedia/jamus", "en.wikipedia/jamus"], "qid": [183, 999]}
    )
    found = items_from_sitelinks(articles, "hawiki", sitelinks.lazy())
    assert found.to_dicts() == [{"page_id": 1, "item": "Q183"}, {"page_id": 2, "item": "Q183"}]
    assert sitelink_prefix("hawiki") == "ha.wikipedia/"


def _articles(rows):
    return pl.DataFrame(rows, schema={"page_id": pl.Int64, "page_title": pl.String}, orient="row")


def test_imagelinks_old_schema(tmp_path):
    path = write_sql_dump(
        tmp_path / "x-imagelinks.sql.gz",
        "imagelinks",
        IMAGELINKS_OLD,
        [
            (1, "Flag_of_Guam.svg", 0),
            (1, "Guam_beach.jpg", 0),
            (2, "Guam_beach.jpg", 0),
            (3, "Talk_picture.jpg", 1),
            (99, "Orphan.jpg", 0),
            (2, "Guam beach.jpg", 0),
        ],
    )
    table, stats = read_imagelinks(path, _articles([(1, "Guåhan"), (2, "Hagåtña")]))
    rows = table.to_pylist()
    assert [(r["page_id"], r["image"]) for r in rows] == [
        (1, "Flag_of_Guam.svg"),
        (1, "Guam_beach.jpg"),
        (2, "Guam_beach.jpg"),
    ]
    assert {r["origin"] for r in rows} == {"imagelinks"} and rows[0]["position"] is None
    assert (stats.schema, stats.from_other_namespaces, stats.not_an_article) == ("il_to", 1, 1)


def test_imagelinks_current_schema_through_linktarget(tmp_path):
    links = write_sql_dump(
        tmp_path / "imagelinks.sql.gz",
        "imagelinks",
        IMAGELINKS_NEW,
        [(1, 0, 10), (1, 0, 11), (2, 0, 12), (2, 0, 404)],
    )
    targets = write_sql_dump(
        tmp_path / "linktarget.sql.gz",
        "linktarget",
        LINKTARGET,
        [
            (10, 6, "Flag_of_Guam.svg"),
            (11, 6, "Guam_beach.jpg"),
            (12, 0, "Not_a_file"),
            (13, 6, "Unused.jpg"),
        ],
    )
    articles = _articles([(1, "Guåhan"), (2, "Hagåtña")])
    table, stats = read_imagelinks(links, articles, targets)
    assert [r["image"] for r in table.to_pylist()] == ["Flag_of_Guam.svg", "Guam_beach.jpg"]
    assert stats.schema == "il_target_id" and stats.unresolved_targets == 2
    with pytest.raises(InputError, match="linktarget"):
        read_imagelinks(links, articles, None)


def test_malformed_imagelinks_dump_names_file_and_position(tmp_path):
    path = write_sql_dump(
        tmp_path / "bad-imagelinks.sql.gz", "imagelinks", IMAGELINKS_OLD, [(1, "A.jpg", 0)]
    )
    with gzip.open(path, "rt") as handle:
        text = handle.read().replace("(1,'A.jpg',0)", "(1,'A.jpg',0")
    with gzip.open(path, "wt") as handle:
        handle.write(text)
    with pytest.raises(InputError) as error:
        read_imagelinks(path, _articles([(1, "A")]))
    assert "bad-imagelinks.sql.gz" in str(error.value) and "line" in str(error.value)


def test_icon_threshold_matches_the_reference():
    assert icon_threshold(50_000) == 15.0
    assert round(icon_threshold(6_199_587), 1) == 46.4  # the reference's "about 46 for enwiki"
    assert icon_threshold(1_651) == 3.75
    assert icon_threshold(100_000) > icon_threshold(60_000) > 15.0


def _frames():
    articles = pl.DataFrame(
        {
            "page_id": [1, 2, 3, 4, 5, 6],
            "page_title": ["A", "B", "C", "D", "E", "F"],
            "item": ["Q1", "Q2", "Q3", None, "Q5", "Q6"],
            "page_image": [None, None, None, None, None, "Local_poster.jpg"],
            "page_image_free": [None, None, None, None, "Free.jpg", None],
        }
    )
    rows = [(p, "Stub_icon.png", 0, "template") for p in (1, 2, 3, 4)]  # on 4 of 6 -> icon
    rows += [
        (1, "Photo_A.jpg", 1, "link"),
        (1, "Second_A.jpg", 2, "link"),
        (2, "Anthem.ogg", 1, "link"),
        (4, "Photo_D.jpg", 1, "gallery"),
    ]
    links = pl.DataFrame(
        rows,
        schema={"page_id": pl.Int64, "image": pl.String, "position": pl.Int32, "origin": pl.String},
        orient="row",
    )
    links = links.join(articles.select("page_id", "page_title"), on="page_id")
    return articles, links


def test_icons_lead_images_and_unillustrated():
    articles, links = _frames()
    icons = pl.from_arrow(icon_images(links.lazy(), articles.height))
    assert icons.to_dicts() == [{"image": "Stub_icon.png", "articles": 4}]
    leads = pl.from_arrow(lead_images(articles.lazy(), links.lazy(), icons.lazy()))
    assert leads.select("page_id", "image", "source").rows() == [
        (1, "Photo_A.jpg", "first_file"),
        (4, "Photo_D.jpg", "first_file"),
        (5, "Free.jpg", "page_image_free"),
        (6, "Local_poster.jpg", "page_image"),
    ]
    missing = pl.from_arrow(unillustrated(articles.lazy(), links.lazy(), icons.lazy()))
    # 2 has only an icon and a sound file; 3 has only the icon; 4 has no item.
    assert missing["page_id"].to_list() == [2, 3]
    own = illustrated_files(articles.lazy(), links.lazy(), icons.lazy()).collect()
    assert sorted(own.rows()) == [
        (1, "Photo_A.jpg"),
        (1, "Second_A.jpg"),
        (4, "Photo_D.jpg"),
        (5, "Free.jpg"),
        (6, "Local_poster.jpg"),
    ]


def test_item_claims_of_the_real_wikidata_slice(tmp_path):
    rows, stats = build_item_images(WIKIDATA, tmp_path / "items.parquet", tmp_path, workers=2)
    table = pl.read_parquet(tmp_path / "items.parquet")
    assert rows == table.height == 100 and stats.bad_entities == 0
    assert stats.with_image == 76 and stats.with_commons_category == 100
    germany = table.filter(pl.col("item") == "Q183").row(0, named=True)
    # The statements' order is kept: it decides which P18 comes first.
    assert germany["image"] == ["Neuschwanstein_Castle_(532850).jpg", "Braniborská_brána.jpg"]
    assert germany["commons_category"] == ["Germany"] and "Q6256" in germany["instance_of"]
    numbers = [int(i[1:]) for i in table["item"]]
    assert numbers == sorted(numbers)
    again, _ = build_item_images(WIKIDATA, tmp_path / "again.parquet", tmp_path / "w2", workers=1)
    assert pl.read_parquet(tmp_path / "again.parquet").equals(table)
