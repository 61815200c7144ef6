"""Scanning the landing zone (the bundled samples are laid out as one)."""

from tests.conftest import SAMPLE_CRAWLS, SAMPLE_DUMPS
from wikiforge.landing import Landing


def test_sample_landing_zone_is_recognised():
    landing = Landing(SAMPLE_DUMPS, SAMPLE_CRAWLS)
    wikis = landing.wiki_dumps()
    assert set(wikis) == {"chwiki", "elwiki", "enwiki", "hawiki", "jawiki", "nvwiki", "ukwiki"}
    hawiki = landing.latest_wiki_dump("hawiki")
    assert hawiki.date == "20150406"
    assert [p.name for p in hawiki.pages] == ["hawiki-20150406-pages-articles.xml.bz2"]
    chwiki = landing.latest_wiki_dump("chwiki")
    assert not chwiki.pages
    assert set(chwiki.sql) == {"page", "pagelinks", "linktarget", "redirect", "page_props"}
    assert [d.date for d in landing.wikidata_dumps()] == ["20190101"]
    assert "2023-03-01" in landing.pageview_months()
    assert set(landing.crawls()) >= {"sample-warc", "sample-html"}


def test_newest_dump_date_wins_and_junk_is_ignored(tmp_path):
    for date in ("20240101", "20240201"):
        d = tmp_path / "xxwiki" / date
        d.mkdir(parents=True)
        (d / f"xxwiki-{date}-pages-articles.xml.bz2").write_bytes(b"BZh9")
    (tmp_path / "xxwiki" / "latest").mkdir()  # not a date: ignored
    (tmp_path / "xxwiki" / "20240301").mkdir()  # no files: ignored
    (tmp_path / "xxwiki" / "20240201" / "notes.txt").write_text("x")
    (tmp_path / "Not-A-Wiki").mkdir()
    landing = Landing(tmp_path)
    assert [d.date for d in landing.wiki_dumps()["xxwiki"]] == ["20240101", "20240201"]
    assert landing.latest_wiki_dump("xxwiki").date == "20240201"
    assert list(landing.wiki_dumps()) == ["xxwiki"]


def test_multistream_is_used_only_when_it_is_the_only_copy(tmp_path):
    d = tmp_path / "xxwiki" / "20240101"
    d.mkdir(parents=True)
    (d / "xxwiki-20240101-pages-articles-multistream.xml.bz2").write_bytes(b"BZh9")
    assert (
        Landing(tmp_path).latest_wiki_dump("xxwiki").pages[0].name.endswith("multistream.xml.bz2")
    )
    (d / "xxwiki-20240101-pages-articles.xml.bz2").write_bytes(b"BZh9")
    assert Landing(tmp_path).latest_wiki_dump("xxwiki").pages[0].name == (
        "xxwiki-20240101-pages-articles.xml.bz2"
    )
