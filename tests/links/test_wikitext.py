"""Wikitext helpers: casing, titles, link extraction, tokens, top-level text."""

from __future__ import annotations

from tests.links.conftest import SAMPLES
from wikiforge.wikitext.casing import lower, upper_first
from wikiforge.wikitext.links import extract_links, replace_links_with_anchors
from wikiforge.wikitext.plain import top_level_text
from wikiforge.wikitext.titles import normalize_title
from wikiforge.wikitext.tokens import anchor_key, line_spans, tokenize


def test_turkic_dotted_and_dotless_i():
    assert lower("İSTANBUL", "tr") == "istanbul"
    assert lower("ILIK", "az") == "ılık"
    assert lower("İngiliscə", "az") == "ingiliscə"
    # Other languages follow Unicode's default mapping.
    assert lower("ILIK", "en") == "ilik"
    assert upper_first("istanbul", "tr") == "İstanbul"
    assert upper_first("istanbul", "en") == "Istanbul"
    assert upper_first("ßeta", "de") == "ßeta"  # no one-to-many capitalisation


def test_normalize_title():
    assert normalize_title("new_York#History") == "New York"
    assert normalize_title("  :fr:Paris ") == "Fr:Paris"
    assert normalize_title("A%20B") == "A B"
    assert normalize_title("Tom &amp; Jerry") == "Tom & Jerry"
    assert normalize_title("#Section") is None
    assert normalize_title("a[b") is None
    assert normalize_title("iğdır", "tr") == "İğdır"
    assert normalize_title("iphone", "en", capitalize=False) == "iphone"


def test_extract_links_positions_and_anchors():
    text = "A [[cat|''Cats'']] and [[dog]]s. <!-- [[hidden]] --> <nowiki>[[no]]</nowiki> [[ ]]"
    links = extract_links(text)
    assert [(link.target, link.anchor) for link in links[:2]] == [("Cat", "Cats"), ("Dog", "dog")]
    for link in links:
        assert text[link.offset : link.offset + link.length].startswith("[[")
    assert all(link.target not in ("Hidden", "No") for link in links)
    assert replace_links_with_anchors("x [[a|b]] y [[c]]") == "x b y c"


def test_tokens_for_scripts_without_spaces_and_with_marks():
    tokens = tokenize("東京都に行く", "ja")
    assert tokens.lowered == ("東", "京", "都", "に", "行", "く")
    assert tokens.gaps == ("", "", "", "", "")
    # Devanagari vowel signs and Navajo combining accents stay inside the word.
    assert tokenize("हिन्दी भाषा").lowered == ("हिन्दी", "भाषा")
    assert tokenize("Diné bizaad").lowered == ("diné", "bizaad")
    assert anchor_key(" New\n York ") == "new york"
    assert anchor_key("C++") == "c++"
    assert anchor_key("İngilis dili", "az") == "ingilis dili"


def test_sentence_spans_spare_abbreviations():
    text = "St. Louis is big. It grew! 東京。大阪\nNext line"
    sentences = [text[s:e] for s, e in line_spans(text)]
    assert sentences == ["St. Louis is big.", "It grew!", "東京。", "大阪", "Next line"]


def test_top_level_text_offsets_on_the_reference_fixtures():
    for name in ("simplewiki-Cat-rev8097163", "azwiki-Rufus-personaj-rev6024182"):
        text = (SAMPLES / "fixtures" / "wikitext" / f"{name}.wikitext").read_text()
        top = top_level_text(text)
        assert top.spans
        for span in top.spans:
            assert text[span.offset : span.offset + len(span.text)] == span.text
            assert "[[" not in span.text and "{{" not in span.text
    top = top_level_text("Lead '''bold''' text\n== History ==\nMore {{tpl|x}} here")
    assert [s.text for s in top.spans] == ["Lead ", " text\n", "\nMore ", " here"]
    assert top.section_titles == ["%LEAD%", "History"]
    assert [s.section for s in top.spans] == [0, 0, 1, 1]
