"""The compiled, memory-mapped link index answers exactly as the plain dictionaries it replaces."""

from __future__ import annotations

import json
import math
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wikiforge.links.features import MAX_CANDIDATES, make_entry
from wikiforge.links.index import (
    INDEX_DIR,
    META_FILE,
    LinkIndex,
    compile_matcher,
    shared_index,
    shared_matcher,
)
from wikiforge.links.matching import MentionMatcher, text_mentions
from wikiforge.links.redirects import resolve_target

# Few letters and short words, so keys share prefixes and tokens often.
_words = st.text(alphabet="abé日 ", min_size=1, max_size=3).map(str.strip).filter(bool)
_keys = st.lists(_words, min_size=1, max_size=3).map(" ".join)
_titles = st.text(alphabet="ABCé日 ,()", min_size=1, max_size=6).map(str.strip).filter(bool)
_anchors = st.dictionaries(
    _keys, st.dictionaries(_titles, st.integers(1, 5), min_size=1, max_size=14), max_size=12
)


def _index(anchors, pageids, redirects, vectors, language="en", **kwargs):
    titles = sorted(vectors)
    matrix = np.array([vectors[t] for t in titles], dtype=np.float32).reshape(-1, 50)
    probability = {key: 1.0 / (1 + len(key)) for key in list(anchors)[::2]}
    index = LinkIndex(anchors, pageids, redirects, titles, matrix, language, probability, **kwargs)
    return index, probability


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    anchors=_anchors,
    articles=st.lists(_titles, max_size=8, unique=True),
    redirects=st.dictionaries(_titles, _titles, max_size=5),
    probes=st.lists(_keys, max_size=10),
)
def test_compiled_index_answers_as_the_dictionaries(anchors, articles, redirects, probes):
    pageids = {title: number * 7 for number, title in enumerate(articles)}
    vectors = {title: np.full(50, number + 1.0) for number, title in enumerate(articles[:3])}
    index, probability = _index(anchors, pageids, redirects, vectors)

    assert len(index.entries) == len(anchors)
    assert sorted(index.entries) == sorted(anchors)
    for key, targets in anchors.items():
        want = make_entry(dict(targets), probability.get(key, float("nan")))
        got = index.entries[key]
        assert got.targets == want.targets[:MAX_CANDIDATES]
        assert got.counts.tolist() == want.counts[:MAX_CANDIDATES].tolist()
        assert (got.ambiguity, got.total) == (want.ambiguity, want.total)
        for name in ("kurtosis", "link_probability"):
            a, b = getattr(got, name), getattr(want, name)
            assert (math.isnan(a) and math.isnan(b)) or a == b

    plain = MentionMatcher(anchors.keys(), "en")
    for probe in [*plain.prefixes, *probes, "zz", ""]:
        assert index.matcher.prefixes.get(probe) == plain.prefixes.get(probe), probe
        assert (probe in index.entries) == (probe in anchors)

    for title in [*articles, *redirects, *redirects.values(), "Nowhere"]:
        assert index.resolve(title) == resolve_target(title, redirects, pageids), title
        assert index.pageids.get(title) == pageids.get(title)
        vector = index.vector(title)
        assert (vector is None) == (title not in vectors)
        if vector is not None:
            assert vector.tolist() == vectors[title].tolist()
    assert dict(index.pageids) == pageids
    assert dict(index.redirects) == redirects


@settings(max_examples=30, deadline=None)
@given(keys=st.lists(_keys, max_size=20, unique=True), probes=st.lists(_keys, max_size=10))
def test_compiled_matcher_finds_the_same_mentions(tmp_path_factory, keys, probes):
    directory = compile_matcher(tmp_path_factory.mktemp("matcher") / "m", keys, "en")
    compiled, plain = shared_matcher(str(directory)), MentionMatcher(keys, "en")
    for probe in [*plain.prefixes, *probes]:
        assert compiled.prefixes.get(probe) == plain.prefixes.get(probe)
    text = " ".join(probes + keys[::-1])
    assert list(text_mentions(text, compiled, "en")) == list(text_mentions(text, plain, "en"))


def test_a_pickled_index_opens_the_same_files():
    index, _ = _index(
        {"paris": {"Paris": 3}}, {"Paris": 1}, {"Paname": "Paris"}, {"Paris": np.ones(50)}
    )
    copy = pickle.loads(pickle.dumps(index))
    assert copy.directory == index.directory
    assert len(pickle.dumps(index)) < 300  # a path, not the data
    assert copy.entries["paris"].targets == ("Paris",)
    assert copy.resolve("Paname") == "Paris"
    assert shared_index(str(index.directory)) is shared_index(str(index.directory))


def test_empty_index():
    index, _ = _index({}, {}, {}, {})
    assert len(index.entries) == 0 and "a" not in index.entries
    assert index.matcher.prefixes.get("a") is None
    assert index.resolve("A") is None and index.vector("A") is None


def test_unknown_index_format_is_refused(tmp_path):
    index, _ = _index({"paris": {"Paris": 3}}, {"Paris": 1}, {}, {})
    meta_path = index.directory / META_FILE
    meta = json.loads(meta_path.read_text())
    meta["format"] = 999
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="link index format 999"):
        LinkIndex.open(index.directory)
    assert index.directory.name == INDEX_DIR
