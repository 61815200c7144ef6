"""Training rows: for every mention and candidate of the training sentences, features and label.

As the reference (research-mwaddlink's `generate_training_data.py`,
docs/references.md#mwaddlink): the gold pairs are the sentence's links
(anchor, resolved target); the mentions are every anchor n-gram of the sentence's plain text plus
every gold anchor; each of a mention's candidates is one row, labelled 1 when it is the gold
target. The candidates are the ten most frequent, the same as when serving, and the mentions are
found by the same function (`matching.text_mentions` over the top-level text spans).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from wikiforge.links.features import FEATURE_SETS, MAX_CANDIDATES, candidate_features
from wikiforge.links.index import LinkIndex
from wikiforge.links.matching import text_mentions
from wikiforge.wikitext.links import extract_links, replace_links_with_anchors
from wikiforge.wikitext.scan import top_level_spans
from wikiforge.wikitext.tokens import anchor_key, tokenize


def sentence_gold(sentence_wikitext: str, index: LinkIndex) -> tuple[str, dict[str, str]]:
    """The plain text of a sentence and its gold links `{anchor_key: article}`.

    Links whose target is not an article of the wiki are left out, as in the reference.
    """
    gold: dict[str, str] = {}
    for link in extract_links(sentence_wikitext, index.language_code, index.capitalize):
        target = index.resolve(link.target)
        key = anchor_key(link.anchor, index.language_code)
        if target is not None and key:
            gold.setdefault(key, target)
    return replace_links_with_anchors(sentence_wikitext), gold


def strip_article_links(wikitext: str, index: LinkIndex) -> str:
    """The wikitext with every link to the article namespace replaced by its anchor text (red
    links included); links to files, categories, other namespaces and wikis stay.
    """
    parts = []
    cursor = 0
    for link in extract_links(wikitext, index.language_code, index.capitalize):
        if link.target is None:
            continue
        head, colon, _ = link.target.partition(":")
        if colon and head.strip().lower() in index.namespace_prefixes:
            continue
        parts.append(wikitext[cursor : link.offset])
        parts.append(link.anchor)
        cursor = link.offset + link.length
    parts.append(wikitext[cursor:])
    return "".join(parts)


def article_gold(wikitext: str, index: LinkIndex) -> set[tuple[str, str]]:
    """Every (anchor key, article) pair an article links (targets that are not articles of the
    wiki left out, as in the reference).
    """
    gold = set()
    for link in extract_links(wikitext, index.language_code, index.capitalize):
        target = index.resolve(link.target)
        key = anchor_key(link.anchor, index.language_code)
        if target is not None and key:
            gold.add((key, target))
    return gold


@dataclass
class TrainingRows:
    """Feature matrix, labels and, per row, the page, mention and candidate."""

    features: np.ndarray
    labels: np.ndarray
    pages: list[str]
    mentions: list[str]
    candidates: list[str]


def training_rows(
    sentences: Iterable[tuple[str, str]], index: LinkIndex, feature_set: str = "extended"
) -> TrainingRows:
    """Rows for `(page_title, sentence_wikitext)` pairs (the reference's protocol: the gold
    anchors are mentions too, found or not).
    """
    cases: list[tuple[str, str, set[tuple[str, str]], list[str]]] = []
    for title, sentence in sentences:
        plain, gold = sentence_gold(sentence, index)
        cases.append((title, plain, set(gold.items()), list(gold)))
    return _rows(cases, index, feature_set)


def article_training_rows(
    articles: Iterable[tuple[str, str]], index: LinkIndex, feature_set: str = "extended"
) -> TrainingRows:
    """Rows for whole articles `(title, wikitext)`, as the recommender sees them when asked to
    link one: every article link stripped, every mention it finds with its candidates, labelled
    1 when the article links that anchor to that candidate anywhere.
    """
    cases: list[tuple[str, str, set[tuple[str, str]], list[str]]] = []
    for title, wikitext in articles:
        gold = article_gold(wikitext, index)
        if gold:
            cases.append((title, strip_article_links(wikitext, index), gold, []))
    return _rows(cases, index, feature_set)


def _rows(
    cases: Iterable[tuple[str, str, set[tuple[str, str]], list[str]]],
    index: LinkIndex,
    feature_set: str,
) -> TrainingRows:
    """Rows for `(title, plain text, gold pairs, extra mention keys)` cases."""
    language = index.language_code
    blocks: list[np.ndarray] = []
    labels: list[int] = []
    pages: list[str] = []
    mentions: list[str] = []
    candidates: list[str] = []
    for title, plain, gold, extra in cases:
        found: dict[str, int] = {}
        for span in top_level_spans(plain).spans:  # the same mention finder as serving
            for _, _, length, key in text_mentions(span.text, index.matcher, language):
                found.setdefault(key, length)
        for key in extra:
            if key in index.entries and key not in found:
                found[key] = len(tokenize(key, language)) or 1
        source_vector = index.vector(title)
        for key in sorted(found):
            entry = index.entries[key]
            targets = entry.targets[:MAX_CANDIDATES]
            blocks.append(
                candidate_features(
                    key,
                    len(tokenize(key, language)) or 1,
                    entry,
                    source_vector,
                    [index.vector(t) for t in targets],
                    feature_set,
                )
            )
            for target in targets:
                labels.append(int((key, target) in gold))
                pages.append(title)
                mentions.append(key)
                candidates.append(target)
    width = len(FEATURE_SETS[feature_set])
    features = np.vstack(blocks) if blocks else np.zeros((0, width), dtype=np.float32)
    return TrainingRows(features, np.array(labels, dtype=np.int8), pages, mentions, candidates)
