"""Key normalisation: every rule of the reference's formatLine, both sides, and the fixed bugs."""

from __future__ import annotations

import pytest

from wikiforge.qrank import keys

# The reference's own TestFormatLine table (util_test.go): (lang, site, title) -> key.
REFERENCE_CASES = [
    ("als", "wikipedia", "Wa\u0308he", "gsw.wikipedia/wähe"),
    ("az", "wikipedia", "Bakı", "az.wikipedia/bakı"),
    ("az", "wikipedia", "BAKI", "az.wikipedia/bakı"),
    ("azx", "wikipedia", "BAKI", "azx.wikipedia/baki"),
    ("bat_smg", "wikipedia", "Metā", "sgs.wikipedia/metā"),
    ("bat-smg", "wikipedia", "Metā", "sgs.wikipedia/metā"),
    ("be_x_old", "wikipedia", "Год", "be-tarask.wikipedia/год"),
    ("cbk_zam", "wikipedia", "Zamboanga Chavacano", "cbk-x-zam.wikipedia/zamboanga_chavacano"),
    ("cbk-zam", "wikipedia", "Zamboanga Chavacano", "cbk-x-zam.wikipedia/zamboanga_chavacano"),
    ("commons", "wikimedia", "Zwolle", "und.commons/zwolle"),
    ("de", "wikipedia", "BAKI", "de.wikipedia/baki"),
    ("de", "wikipedia", "Straße", "de.wikipedia/strasse"),
    ("fiu_vro", "wikipedia", "Aastak", "vro.wikipedia/aastak"),
    ("fiu-vro", "wikipedia", "Aastak", "vro.wikipedia/aastak"),
    ("incubator", "wikipedia", "Wp/cpx/Teng-cing-ch\u012b", "cpx.wikipedia/teng-cing-chī"),
    ("map_bms", "wikipedia", "Banyumasan", "jv-x-bms.wikipedia/banyumasan"),
    ("map-bms", "wikipedia", "Banyumasan", "jv-x-bms.wikipedia/banyumasan"),
    ("media", "mediawiki", "MediaWiki", "und.mediawiki/mediawiki"),
    ("meta", "wikimedia", "Main Page", "und.metawiki/main_page"),
    ("nds_nl", "wikipedia", "Zwolle", "nds-NL.wikipedia/zwolle"),
    ("nds-nl", "wikipedia", "Zwolle", "nds-NL.wikipedia/zwolle"),
    ("roa_rup", "wikipedia", "Anu", "rup.wikipedia/anu"),
    ("roa-rup", "wikipedia", "Anu", "rup.wikipedia/anu"),
    ("roa_tara", "wikipedia", "Àrvule", "nap-x-tara.wikipedia/àrvule"),
    ("roa-tara", "wikipedia", "Àrvule", "nap-x-tara.wikipedia/àrvule"),
    ("simple", "wikipedia", "Tianjin", "en-x-simple.wikipedia/tianjin"),
    ("sources", "wikipedia", "Author:蒋中正", "und.wikisource/author:蒋中正"),
    ("species", "wiki", "Aepyceros melampus", "und.wikispecies/aepyceros_melampus"),
    ("tr", "wikipedia", "Diyarbakır", "tr.wikipedia/diyarbakır"),
    ("tr", "wikipedia", "DİYARBAKIR", "tr.wikipedia/diyarbakır"),
    ("xx", "wikipedia", "Space C", "xx.wikipedia/space_c"),
    ("xx", "wikipedia", "Tab\tC", "xx.wikipedia/tab_c"),
    ("xx", "wikipedia", "Zero\x00C", "xx.wikipedia/zero_c"),
    ("zh_classical", "wikipedia", "尚書", "lzh.wikipedia/尚書"),
    ("zh-classical", "wikipedia", "尚書", "lzh.wikipedia/尚書"),
    ("zh_min_nan", "wikipedia", "Nî", "nan.wikipedia/nî"),
    ("zh-min-nan", "wikipedia", "Nî", "nan.wikipedia/nî"),
    ("zh_yue", "wikipedia", "\u5929\u6d25", "yue.wikipedia/天津"),
    ("zh-yue", "wikipedia", "\u5929\u6d25", "yue.wikipedia/天津"),
    ("", "commons", "Zwolle", "und.commons/zwolle"),
    ("", "wikidatawiki", "Project chat", "und.wikidata/project_chat"),
    ("", "wikimaniawiki", "Wikimania", "und.wikimania/wikimania"),
]


@pytest.mark.parametrize(("lang", "site", "title", "expected"), REFERENCE_CASES)
def test_format_key_matches_reference_table(lang, site, title, expected):
    assert keys.format_key(lang, site, title) == expected


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("als", "gsw"),
        ("bat-smg", "sgs"),
        ("be-x-old", "be-tarask"),
        ("cbk-zam", "cbk-x-zam"),
        ("fiu-vro", "vro"),
        ("map-bms", "jv-x-bms"),
        ("nds-nl", "nds-NL"),
        ("roa-rup", "rup"),
        ("roa-tara", "nap-x-tara"),
        ("simple", "en-x-simple"),
        ("zh-classical", "lzh"),
        ("zh-min-nan", "nan"),
        ("zh-yue", "yue"),
    ],
)
def test_language_rewrite_same_from_views_and_sitelinks(written, canonical):
    view = keys.view_key(f"{written}.wikipedia", "Foo")
    sitelink = keys.sitelink_key(f"{written.replace('-', '_')}wiki", "Foo")
    assert view == sitelink == f"{canonical}.wikipedia/foo"


def test_full_case_folding_not_lowercasing():
    assert keys.fold_title("Straße") == "strasse"
    # the final sigma folds too
    assert keys.fold_title("ΣΊΣΥΦΟΣ") == keys.fold_title("σίσυφος")


def test_turkish_and_azeri_dotted_and_dotless_i():
    assert keys.fold_title("DİYARBAKIR", "tr") == "diyarbakır"
    assert keys.fold_title("BAKI", "az") == "bakı"
    assert keys.fold_title("BAKI", "de") == "baki"
    view = keys.view_key("tr.wikipedia", "Diyarbakır")
    assert view == keys.sitelink_key("trwiki", "DİYARBAKIR")


def test_nfc_normalisation_after_folding():
    decomposed = "Wa\u0308he"
    assert keys.fold_title(decomposed) == "w\u00e4he"
    assert keys.view_key("de.wikipedia", decomposed) == keys.sitelink_key("dewiki", "Wähe")


def test_control_bytes_and_space_become_underscore():
    assert keys.fold_title("A B\tC\x00D\x1fE\x20F") == "a_b_c_d_e_f"
    assert keys.fold_title("A\u0085B\u00a0C") == "a\u0085b\u00a0c"  # only <= U+0020


def test_special_wikis_join_from_both_sides():
    pairs = [
        ("commons.wikimedia", "commonswiki", "und.commons"),
        ("meta.wikimedia", "metawiki", "und.metawiki"),
        ("species.wikimedia", "specieswiki", "und.wikispecies"),
        ("www.mediawiki", "mediawikiwiki", "und.mediawiki"),
        ("www.wikisource", "sourceswiki", "und.wikisource"),
        ("wikimania.wikimedia", "wikimaniawiki", "und.wikimania"),
        ("outreach.wikimedia", "outreachwiki", "und.outreach"),
    ]
    for code, site, prefix in pairs:
        assert keys.view_key(code, "Some_Page") == keys.sitelink_key(site, "Some Page")
        assert keys.sitelink_key(site, "Some Page") == f"{prefix}/some_page"


def test_wikidata_own_pages_join_www_wikidata_and_wikidatawiki():
    # The reference keyed views as www.wikidata/... and sitelinks as und.wikidata/...
    assert keys.view_key("www.wikidata", "Wikidata:Project_chat") == (
        "und.wikidata/wikidata:project_chat"
    )
    assert keys.sitelink_key("wikidatawiki", "Wikidata:Project chat") == (
        "und.wikidata/wikidata:project_chat"
    )
    assert keys.pagecounts_key("www.wd", "Q42") == keys.sitelink_key("wikidatawiki", "Q42")


def test_plus_signs_survive_percent_decoding():
    # The reference's url.QueryUnescape made "C++" into "C  " (key c__), which never joined.
    assert keys.view_key("en.wikipedia", "C++") == "en.wikipedia/c++"
    assert keys.view_key("en.wikipedia", "C%2B%2B") == "en.wikipedia/c++"
    assert keys.sitelink_key("enwiki", "C++") == "en.wikipedia/c++"


def test_percent_decoding_of_view_titles():
    assert keys.view_key("fr.wikipedia", "Caf%C3%A9") == keys.sitelink_key("frwiki", "Café")
    assert keys.unescape_view_title("Hohle_Lärche%20x") == "Hohle_Lärche x"
    assert keys.unescape_view_title("100%_sure") == "100%_sure"  # malformed escape: kept raw
    assert keys.unescape_view_title("bad%FF") is None  # decodes to invalid UTF-8: skipped


def test_incubator_from_both_sides():
    assert (
        keys.view_key("incubator.wikimedia", "Wp/cpx/Teng-cing-chī")
        == keys.sitelink_key("incubatorwiki", "Wp/cpx/Teng-cing-chī")
        == "cpx.wikipedia/teng-cing-chī"
    )
    assert keys.sitelink_key("incubatorwiki", "Main Page") == "und.incubator/main_page"


def test_sitelink_site_split():
    assert keys.split_sitelink_site("enwiki") == ("en", "wikipedia")
    assert keys.split_sitelink_site("simplewikinews") == ("simple", "wikinews")
    assert keys.split_sitelink_site("alswikiquote") == ("als", "wikiquote")
    assert keys.split_sitelink_site("enwiktionary") == ("en", "wiktionary")
    assert keys.split_sitelink_site("nonsense") is None
    assert keys.sitelink_key("simplewikinews", "X") == "en-x-simple.wikinews/x"
    assert keys.sitelink_key("zh_min_nanwiki", "Nî") == "nan.wikipedia/nî"
    assert keys.sitelink_key("be_x_oldwiki", "Год") == "be-tarask.wikipedia/год"


def test_closed_and_malformed_wiki_codes_are_skipped():
    assert keys.view_key("en-wg.wikipedia", "Foo") is None
    assert keys.view_key("enwikipedia", "Foo") is None


def test_pagecounts_raw_project_codes():
    assert keys.pagecounts_key("en", "Foo") == "en.wikipedia/foo"
    assert keys.pagecounts_key("en.d", "fiscal_drag") == "en.wiktionary/fiscal_drag"
    assert keys.pagecounts_key("en.voy", "X") == "en.wikivoyage/x"
    assert keys.pagecounts_key("commons.m", "File:A.jpg") == "und.commons/file:a.jpg"
    assert keys.pagecounts_key("en.mw", "en") is None  # per-language mobile totals
