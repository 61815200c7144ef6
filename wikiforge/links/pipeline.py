"""The steps of the links line over page rows, as plain functions (the assets call these).

Page rows are mappings with at least `page_id`, `namespace`, `title`, `redirect` and `text`
(the `pages` asset's columns). Steps that read pages twice take a zero-argument callable that
returns a fresh iterator, so nothing holds a whole dump.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from wikiforge.links.anchors import (
    AnchorStats,
    build_anchor_dictionary,
    candidate_anchor_keys,
    count_as_text,
    count_link_anchors,
    link_probabilities,
)
from wikiforge.links.embeddings import article_corpus, iter_lines, train_vectors, write_corpus
from wikiforge.links.matching import MentionMatcher
from wikiforge.links.redirects import RedirectStats, resolve_redirects, resolve_target
from wikiforge.links.sentences import (
    first_linked_sentence,
    is_held_out,
    linked_sentences,
    split_of,
)
from wikiforge.wikitext.links import extract_links
from wikiforge.wikitext.plain import CANONICAL_NAMESPACE_PREFIXES, prose
from wikiforge.wikitext.titles import normalize_title
from wikiforge.wikitext.tokens import anchor_key

PageRows = Callable[[], Iterable[Mapping]]


def is_article(row: Mapping) -> bool:
    """A main-namespace page that is not a redirect."""
    return row["namespace"] == 0 and not row.get("redirect")


def namespace_prefixes(rows: Iterable[Mapping]) -> frozenset[str]:
    """Lower-cased namespace names seen in the dump's titles, plus the canonical ones."""
    names = set()
    for row in rows:
        if row["namespace"] != 0 and ":" in row["title"]:
            names.add(row["title"].split(":", 1)[0].strip().lower())
    return frozenset(names) | CANONICAL_NAMESPACE_PREFIXES


def pageids_and_redirects(
    rows: Iterable[Mapping],
    language_code: str,
    capitalize: bool = True,
    allow_missing_final: bool = False,
) -> tuple[dict[str, int], dict[str, str], RedirectStats]:
    """Article titles to page ids, and main-namespace redirects resolved to final articles."""
    pageids: dict[str, int] = {}
    raw_redirects: dict[str, str] = {}
    for row in rows:
        if row["namespace"] != 0:
            continue
        if row.get("redirect"):
            target = normalize_title(row["redirect"], language_code, capitalize)
            if target is not None:
                raw_redirects[row["title"]] = target
        else:
            pageids[row["title"]] = int(row["page_id"])
    redirects, stats = resolve_redirects(
        raw_redirects, pageids.keys() | set(), allow_missing_final=allow_missing_final
    )
    return pageids, redirects, stats


PARTIAL_DUMP_SHARE = 0.1


def resolvable_share(
    rows: Iterable[Mapping],
    pageids: Mapping[str, int],
    redirects: Mapping[str, str],
    language_code: str,
    prefixes: frozenset[str],
    capitalize: bool = True,
) -> float:
    """The share of article-namespace link targets that the dump holds.

    On a whole wiki many link targets exist (even a small wiki full of red links, such as the
    Hausa one, resolves a third of them); far below
    `PARTIAL_DUMP_SHARE` means the dump is a slice of a wiki, and targets it does not hold
    must be kept, or nothing is left to learn from.
    """
    total = found = 0
    for row in rows:
        for link in extract_links(row["text"] or "", language_code, capitalize):
            if link.target is None:
                continue
            head, colon, _ = link.target.partition(":")
            if colon and head.strip().lower() in prefixes:
                continue
            total += 1
            found += resolve_target(link.target, redirects, pageids) is not None
    return found / total if total else 1.0


@dataclass(frozen=True, slots=True)
class LinkRow:
    """One wikilink of an article (the `links` table)."""

    source: str
    anchor: str
    target: str
    target_raw: str
    offset: int


def article_links(
    row: Mapping,
    pageids: Mapping[str, int],
    redirects: Mapping[str, str],
    language_code: str,
    capitalize: bool = True,
    prefixes: frozenset[str] | None = None,
) -> tuple[list[LinkRow], int]:
    """The links of one article whose target resolves to an article, and how many did not.

    With `prefixes` (a partial dump), a target the dump does not hold is kept unless it names
    another namespace or wiki.
    """
    kept = []
    unresolved = 0
    for link in extract_links(row["text"] or "", language_code, capitalize):
        if prefixes is not None and link.target is not None:
            head, colon, _ = link.target.partition(":")
            if colon and head.strip().lower() in prefixes:
                unresolved += 1
                continue
        target = resolve_target(link.target, redirects, pageids, prefixes is not None)
        if target is None:
            unresolved += 1
            continue
        kept.append(LinkRow(row["title"], link.anchor, target, link.target_raw, link.offset))
    return kept, unresolved


@dataclass
class AnchorBuild:
    """The anchor dictionary with its link probabilities and counts."""

    anchors: dict[str, dict[str, int]]
    link_probability: dict[str, float]
    stats: AnchorStats
    as_text: Counter = field(default_factory=Counter)


def build_anchors(
    links: Iterable[tuple[str, Iterable[tuple[str, str]]]],
    prose_chunks: Callable[[], Iterable[list[str]]],
    language_code: str,
    mask: bool = True,
) -> AnchorBuild:
    """Anchors from `(source, [(anchor_text, target), ...])` per learning article and the prose
    chunks of the same articles (read once, after the links).
    """
    keyed = (
        (source, [(anchor_key(anchor, language_code), target) for anchor, target in pairs])
        for source, pairs in links
    )
    counts = count_link_anchors(keyed)
    matcher = MentionMatcher(candidate_anchor_keys(counts), language_code)
    as_text: Counter = Counter()
    for chunks in prose_chunks():
        count_as_text(chunks, matcher, language_code, mask=mask, counts=as_text)
    anchors, stats = build_anchor_dictionary(counts, as_text)
    probabilities = link_probabilities(counts, as_text)
    kept_probability = {key: probabilities[key] for key in anchors}
    return AnchorBuild(anchors, kept_probability, stats, as_text)


def article_prose_chunks(row: Mapping, prefixes: frozenset[str]) -> list[str]:
    """An article's prose chunks (links and breaks end a chunk)."""
    return prose(row["text"] or "", prefixes).chunks


def build_vectors(
    rows: Iterable[Mapping],
    pageids: Mapping[str, int],
    redirects: Mapping[str, str],
    language_code: str,
    prefixes: frozenset[str],
    corpus_path: Path,
    seed: int = 7,
    capitalize: bool = True,
    allow_unknown_targets: bool = False,
) -> tuple[dict, int]:
    """Write the embedding corpus of the given articles and train vectors on it."""

    def resolve(title: str | None) -> str | None:
        return resolve_target(title, redirects, pageids, allow_unknown_targets)

    corpora = (
        article_corpus(
            row["text"] or "", row["title"], prefixes, resolve, language_code, capitalize
        )
        for row in rows
    )
    lines = write_corpus(iter_lines(corpora), corpus_path)
    if lines == 0:
        return {}, 0
    return train_vectors(corpus_path, seed=seed), lines


TRAIN_SENTENCES_PER_ARTICLE = 10


@dataclass(frozen=True, slots=True)
class SentenceRow:
    """A linked sentence of an article, its position among them and its split."""

    page_title: str
    sentence: str
    split: str
    sentence_index: int = 0


def article_sentences(
    row: Mapping,
    prefixes: frozenset[str],
    wiki: str,
    held_out_share: float,
    seed: str = "2",
    train_per_article: int = TRAIN_SENTENCES_PER_ARTICLE,
) -> list[SentenceRow]:
    """An article's sentences: the first linked one for `test` and `heldout` articles (the
    reference's protocol), up to `train_per_article` for `train` articles.
    """
    title = row["title"]
    split = "heldout" if is_held_out(wiki, title, held_out_share) else split_of(title, seed)
    if split == "train" and train_per_article > 1:
        found = linked_sentences(row["text"] or "", prefixes, train_per_article)
    else:
        first = first_linked_sentence(row["text"] or "", prefixes)
        found = [first] if first is not None else []
    return [SentenceRow(title, sentence, split, i) for i, sentence in enumerate(found)]


def article_sentence(row: Mapping, prefixes: frozenset[str], seed: str = "2") -> SentenceRow | None:
    """The first linked sentence of an article with its train/test split, or None."""
    sentence = first_linked_sentence(row["text"] or "", prefixes)
    if sentence is None:
        return None
    return SentenceRow(row["title"], sentence, split_of(row["title"], seed))


def iter_articles(rows: Iterable[Mapping]) -> Iterator[Mapping]:
    """Only the articles of page rows."""
    return (row for row in rows if is_article(row))
