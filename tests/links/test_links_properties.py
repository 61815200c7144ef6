"""Properties of the recommender over every article of the bundled sample wikis."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.links.conftest import SAMPLE_WIKIS, page_rows, sample_line
from wikiforge.links.recommend import recommend
from wikiforge.wikitext.links import extract_links


@pytest.mark.parametrize("wiki", SAMPLE_WIKIS)
def test_every_recommendation_points_at_its_text(wiki):
    """For every article: offsets are exact, targets unique and never already linked."""
    line = sample_line(wiki)
    index, model = line.index, line.model
    articles = [row for row in page_rows(wiki) if row["namespace"] == 0 and not row["redirect"]]
    suggested = 0
    for row in articles:
        text = row["text"]
        links = recommend(index, model, text, row["title"], threshold=0.0)
        already = {index.resolve(link.target) for link in extract_links(text, index.language_code)}
        targets = [link.link_target for link in links]
        assert len(targets) == len(set(targets))
        assert row["title"] not in targets
        assert not already.intersection(targets)
        for link in links:
            offset = link.wikitext_offset
            assert text[offset : offset + len(link.link_text)] == link.link_text
            assert 0.0 <= link.score <= 1.0
        suggested += len(links)
    assert suggested > 0


_PIECES = st.sampled_from(
    [
        "Kano",
        " birni ",
        "Najeriya",
        "[[Hausa]]",
        "'''Afirka'''",
        "{{tpl|Kano}}",
        "<ref>Kano</ref>",
        "\n== Tarihi ==\n",
        "<!-- Afirka -->",
        " İngiliscə ",
        "東京",
        "Ελλάδα",
        ". ",
        "\n",
        "[[File:x.jpg|thumb|[[Kano]]]]",
        "{|\n| Kano\n|}",
        "&amp;",
        "''",
        "[[",
        "]]",
        "{{",
        "|",
        " kasar Hausa ",
        " ta yamma",
        "\t",
        "\u200e",
        "🙂",
        "ʼ",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=30))
def test_arbitrary_wikitext_never_crashes(hawiki_line, pieces):
    text = "".join(pieces)
    links = recommend(hawiki_line.index, hawiki_line.model, text, "Kano", threshold=0.0)
    for link in links:
        assert text[link.wikitext_offset : link.wikitext_offset + len(link.link_text)] == (
            link.link_text
        )


def test_language_code_overrides_the_casing_rules(hawiki_line):
    """Turkish rules lower-case `I` to dotless `ı`: upper-case Hausa words with an I no longer
    meet their (Hausa-lower-cased) anchors; without the override they do.
    """
    text = "Birnin KANO yana a arewacin NAJERIYA, kusa da KATSINA a AFIRKA."
    index, model = hawiki_line.index, hawiki_line.model

    def linked(language_code):
        found = recommend(index, model, text, "Gwaji", threshold=0.0, language_code=language_code)
        return {link.link_text for link in found}

    assert {"KANO", "NAJERIYA", "KATSINA", "AFIRKA"} <= linked(None)
    assert linked("ha") == linked(None)
    turkish = linked("tr")
    assert "KANO" in turkish and not {"NAJERIYA", "KATSINA", "AFIRKA"} & turkish
