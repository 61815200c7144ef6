"""MediaWiki title rules, and the fast path's shortcut that must never let an invalid title by."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wikiforge.dumps.titles import invalid_title_reason
from wikiforge.dumps.xml_reader import _TITLE_NEEDS_CHECKS


@pytest.mark.parametrize(
    "title",
    ["Main Page", "Talk:Main Page", "C++", "AC/DC", "Dr. No", "Ōsaka", "100% (album)", "A~B",
     "Wikipedia:Village pump (technical)", "Jama'a", "x" * 255, ".hack", "Talk:.hack"],
)  # fmt: skip
def test_valid_titles(title: str) -> None:
    namespace = 1 if title.startswith("Talk:") else 0
    assert invalid_title_reason(title, namespace=namespace, namespace_name="Talk") is None


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("A#b", "illegal character"),
        ("A[b]", "illegal character"),
        ("A{b}", "illegal character"),
        ("A|b", "illegal character"),
        ("A<b>", "illegal character"),
        ("Tab\there", "illegal character"),
        ("A\ufffdb", "illegal character"),
        ("A%20b", "percent-escape"),
        ("Tom &amp; Jerry", "HTML entity"),
        (".", "relative path"),
        ("../x", "relative path"),
        ("a/./b", "relative path"),
        ("a/..", "relative path"),
        ("Sig ~~~", "three tildes"),
        ("x" * 256, "longer than 255 bytes"),
        ("é" * 128, "longer than 255 bytes"),
        (":Leading colon", "not normalised (leading colon or surrounding space)"),
        (" x", "not normalised (leading colon or surrounding space)"),
    ],
)
def test_invalid_titles(title: str, reason: str) -> None:
    assert invalid_title_reason(title) == reason


def test_namespace_prefix_rules() -> None:
    assert invalid_title_reason("Talk:", namespace=1, namespace_name="Talk") is not None
    assert invalid_title_reason("Talk:.", namespace=1, namespace_name="Talk") == "relative path"
    assert invalid_title_reason("Talk:" + "x" * 255, namespace=1, namespace_name="Talk") is None
    assert invalid_title_reason("Special:" + "x" * 300, namespace=-1) is None


tricky = st.builds(
    str.__add__,
    st.sampled_from(["", "Talk:", "talk:"]),
    st.text(alphabet=st.sampled_from(list("ab .:/~%&#;_[]|\t\ufffdé")), max_size=70),
)


@settings(max_examples=400, deadline=None)
@given(title=tricky)
def test_fast_path_shortcut_never_passes_an_invalid_title(title: str) -> None:
    if len(title) <= 63 and _TITLE_NEEDS_CHECKS.search(title) is None:
        for namespace in (0, 1):
            assert invalid_title_reason(title, namespace=namespace, namespace_name="Talk") is None
