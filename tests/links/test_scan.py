"""The fast top-level scanner against mwparserfromhell's tree, on every sample article."""

from __future__ import annotations

import pytest

from tests.links.conftest import SAMPLE_WIKIS, page_rows, sample_line
from wikiforge.links import recommend as recommend_module
from wikiforge.wikitext.plain import top_level_text
from wikiforge.wikitext.scan import top_level_spans

# Pages where the spans differ (malformed markup mwparserfromhell resolves in its own way), each
# checked below to give the very same recommendations either way:
# - Ƙasashen Duniya: a file link whose caption holds a `<ref>` left open inside an external link;
# - Indiya, Esperanto: tables inside `<div>`s with stray closing tags.
KNOWN_SPAN_DIFFERENCES = {
    ("hawiki", "Ƙasashen Duniya"),
    ("hawiki", "Indiya"),
    ("hawiki", "Esperanto"),
}


def _articles(wiki: str) -> list[dict]:
    return [r for r in page_rows(wiki) if r["namespace"] == 0 and not r["redirect"]]


@pytest.mark.parametrize("wiki", SAMPLE_WIKIS)
def test_same_spans_as_mwparserfromhell_on_every_article(wiki):
    differing = set()
    for row in _articles(wiki):
        text = row["text"]
        fast = top_level_spans(text)
        for span in fast.spans:
            assert text[span.offset : span.offset + len(span.text)] == span.text
        if fast != top_level_text(text):
            differing.add((wiki, row["title"]))
    assert differing == {k for k in KNOWN_SPAN_DIFFERENCES if k[0] == wiki}


def test_known_differences_give_the_same_recommendations(monkeypatch):
    build = sample_line("hawiki")
    texts = {row["title"]: row["text"] for row in _articles("hawiki")}
    for _, title in sorted(KNOWN_SPAN_DIFFERENCES):
        results = []
        for finder in (top_level_spans, top_level_text):
            monkeypatch.setattr(recommend_module, "top_level_spans", finder)
            results.append(
                recommend_module.recommend(
                    build.index,
                    build.model,
                    texts[title],
                    title,
                    threshold=0.0,
                    max_recommendations=500,
                )
            )
        assert results[0] == results[1], title


def _texts(wikitext: str) -> list[str]:
    return [span.text for span in top_level_spans(wikitext).spans]


@pytest.mark.parametrize(
    ("wikitext", "expected"),
    [
        (
            "Lead '''bold''' text\n== History ==\nMore {{tpl|x}} here",
            ["Lead ", " text\n", "\nMore ", " here"],
        ),
        # An italic run left open inside a reference runs past `</ref>` in mwparserfromhell,
        # so the reference fails and its text is top-level.
        ("A<ref>x ''y</ref> b '' c", ["A<ref>x ", " c"]),
        (
            "See http://example.org/a, then [http://x.org y] and [1].",
            ["See ", ", then ", " and [1]."],
        ),
        ("a &amp; b &bogus; c", ["a ", " b &bogus; c"]),
        (
            "* one\n# two\n; term : def\n----\nend",
            [" one\n", " two\n", " term ", " def\n", "\nend"],
        ),
        ("x {{unclosed [[Link]] y", ["x {{unclosed ", " y"]),
        ("x [[a\nb]] <!-- open", ["x [[a\nb]] <!-- open"]),
        ("p\n{|\n| ''cell\n|}\nq", ["p\n", "\nq"]),
        ("''it'''s''' x", ["''it", " x"]),
        ("{{{arg|d}}} and {{{a}} b", [" and {", " b"]),
        ("<b>x</i> y</b> z", ["<b>x</i> y</b> z"]),
        ("a<br>b</br>c", ["a", "b", "c"]),
    ],
)
def test_constructs(wikitext, expected):
    assert _texts(wikitext) == expected
    assert top_level_spans(wikitext) == top_level_text(wikitext)


def test_documented_difference_four_braces():
    # mwparserfromhell reads `{{{{a}}}}` as `{` + argument `{{{a}}}` + `}`; the scanner as text
    # braces around a template (see the module docstring). Neither holds prose.
    assert _texts("x {{{{a}}}}") == ["x {{", "}}"]
    assert [s.text for s in top_level_text("x {{{{a}}}}").spans] == ["x {", "}"]


def test_sections_and_offsets():
    text = "intro\n== A ''b'' ==\ntext\n=== C ===\nmore"
    top = top_level_spans(text)
    assert top.section_titles == ["%LEAD%", "A b", "C"]
    assert [(s.offset, s.section) for s in top.spans] == [(0, 0), (19, 1), (34, 2)]
    assert top == top_level_text(text)


@pytest.mark.parametrize(
    "wikitext",
    [
        "<ref>" * 10000,
        "<li>" * 10000,
        "[[" * 50000,
        "{{" * 30000 + "}}" * 10,
        "'''" * 20000,
        "{|\n| ''a\n" * 3000,
        "<div>" * 5000 + "</div>" * 5000,
        "[[a|" * 300 + "]]" * 300,
        "<ref>a '' b</ref> " * 5000,
        "{{a|x '' y}} " * 5000,
        "<b>" * 500 + "</b>" * 500,
    ],
    ids=lambda text: repr(text[:12]),
)
def test_pathological_markup_stays_fast(wikitext):
    """Unclosed and deeply nested markup: bounded work, no recursion error (a body that cannot
    close fails at once; nesting beyond MAX_NESTING is text). Generous bound for a loaded CI.
    """
    import time

    started = time.perf_counter()
    top = top_level_spans(wikitext)
    assert time.perf_counter() - started < 3.0
    for span in top.spans:
        assert wikitext[span.offset : span.offset + len(span.text)] == span.text
