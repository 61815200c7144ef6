"""Candidate generation and link selection, as the reference makes them (research-mwaddlink's
`process_page`, docs/references.md#mwaddlink).

Only top-level plain text is scanned (never inside links, templates, tables, references,
headings, bold/italic, comments, file links); sentence by sentence, longest n-gram first; a
mention is tested once (its first occurrence); the best of its ten most frequent candidates wins
if its score reaches the threshold; never a target already linked or the page itself, never a
mention inside an already linked anchor; one link per target.

The work is split in two so that a threshold sweep costs one scoring pass: `prepare` finds and
scores every mention once (one batched model call), `select` replays the greedy choice for a
threshold. The top-level text comes from `wikiforge.wikitext.scan` (the same spans as
mwparserfromhell's top-level text nodes, without building the tree). Offsets come from it, so `wikitext[offset:offset+len(link_text)] ==
link_text` holds for every recommendation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from wikiforge.links.features import MAX_CANDIDATES, candidate_features
from wikiforge.links.index import LinkIndex
from wikiforge.links.matching import text_mentions
from wikiforge.links.model import LinkModel
from wikiforge.wikitext.links import extract_links
from wikiforge.wikitext.scan import top_level_spans
from wikiforge.wikitext.tokens import anchor_key, tokenize

LEAD_SECTION = "%LEAD%"
CONTEXT_CHARS = 10


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One suggested link, in the reference's response fields."""

    link_text: str
    wikitext_offset: int
    context_before: str
    context_after: str
    link_target: str
    match_index: int
    score: float
    link_index: int


@dataclass(frozen=True, slots=True)
class _Mention:
    span: int  # index of the top-level text span
    start: int  # code-point offset inside the span's text
    end: int
    key: str
    scored: int  # index into Prepared.keys (-1: statically excluded)


@dataclass
class Prepared:
    """A page's mentions in generation order with every candidate already scored."""

    wikitext: str
    spans: list  # TextSpan
    mentions: list[_Mention]
    keys: list[str]
    candidates: list[tuple[str, ...]]
    scores: list[np.ndarray]
    linked_targets: frozenset[str]
    linked_anchors: tuple[str, ...]


def _excluded_sections(titles: list[str], sections_to_exclude: Iterable[str]) -> set[int]:
    wanted = {name.strip().lower() for name in sections_to_exclude}
    if not wanted:
        return set()
    return {i for i, title in enumerate(titles) if title.strip().lower() in wanted}


def prepare(
    index: LinkIndex,
    model: LinkModel,
    wikitext: str,
    page_title: str,
    sections_to_exclude: Iterable[str] = (),
    language_code: str | None = None,
) -> Prepared:
    """Find every candidate mention of a page and score its candidates (one model call).

    `language_code` overrides the wiki's language for casing (lower-casing mentions, titles of
    existing links, the page title), as the reference's query parameter does for ICU.
    """
    language = language_code or index.language_code
    page = index.normalize_in(page_title, language) or page_title
    top = top_level_spans(wikitext)

    linked_targets = {page}
    linked_anchors = [anchor_key(page, language)]
    for link in extract_links(wikitext, language, index.capitalize):
        target = index.resolve(link.target)
        if target is not None:
            linked_targets.add(target)
            linked_anchors.append(anchor_key(link.anchor, language))
    joined_anchors = "\x00".join(linked_anchors)

    excluded = _excluded_sections(top.section_titles, sections_to_exclude)
    mentions: list[_Mention] = []
    key_slot: dict[str, int] = {}
    keys: list[str] = []
    entries = index.entries
    for span_number, span in enumerate(top.spans):
        if span.section in excluded:
            continue
        for start, end, _, key in text_mentions(span.text, index.matcher, language):
            slot = key_slot.get(key)
            if slot is None:
                entry = entries[key]
                static_out = key in joined_anchors or not linked_targets.isdisjoint(
                    entry.targets[:MAX_CANDIDATES]
                )
                slot = -1 if static_out else len(keys)
                if not static_out:
                    keys.append(key)
                key_slot[key] = slot
            if slot >= 0:
                mentions.append(_Mention(span_number, start, end, key, slot))

    candidates: list[tuple[str, ...]] = []
    blocks = []
    source_vector = index.vector(page)
    for key in keys:
        entry = entries[key]
        targets = entry.targets[:MAX_CANDIDATES]
        candidates.append(targets)
        n_tokens = len(tokenize(key, language)) or 1
        blocks.append(
            candidate_features(
                key,
                n_tokens,
                entry,
                source_vector,
                [index.vector(t) for t in targets],
                model.feature_set,
            )
        )
    scores: list[np.ndarray] = []
    if blocks:
        flat = model.score(np.vstack(blocks))
        cursor = 0
        for block in blocks:
            scores.append(flat[cursor : cursor + len(block)])
            cursor += len(block)
    return Prepared(
        wikitext=wikitext,
        spans=top.spans,
        mentions=mentions,
        keys=keys,
        candidates=candidates,
        scores=scores,
        linked_targets=frozenset(linked_targets),
        linked_anchors=tuple(linked_anchors),
    )


def select(
    prepared: Prepared, threshold: float = 0.5, max_recommendations: int = 15
) -> list[Recommendation]:
    """Choose links greedily in generation order; returns them in wikitext order."""
    linked_targets = set(prepared.linked_targets)
    joined_anchors = "\x00".join(prepared.linked_anchors)
    tested: set[str] = set()
    taken: dict[int, list[tuple[int, int]]] = {}
    chosen: list[tuple[_Mention, str, float]] = []
    for mention in prepared.mentions:
        if len(chosen) >= max_recommendations:
            break
        key = mention.key
        if key in tested or key in joined_anchors:
            continue
        targets = prepared.candidates[mention.scored]
        if not linked_targets.isdisjoint(targets):
            continue
        spans_taken = taken.get(mention.span, ())
        if any(mention.start < e and s < mention.end for s, e in spans_taken):
            continue
        tested.add(key)
        scores = prepared.scores[mention.scored]
        best = int(np.argmax(scores))
        score = float(scores[best])
        if score < threshold:
            continue
        target = targets[best]
        chosen.append((mention, target, score))
        linked_targets.add(target)
        joined_anchors += "\x00" + key
        taken.setdefault(mention.span, []).append((mention.start, mention.end))
    return _as_recommendations(prepared, chosen)


def _as_recommendations(
    prepared: Prepared, chosen: list[tuple[_Mention, str, float]]
) -> list[Recommendation]:
    spans = prepared.spans
    located = []
    for mention, target, score in chosen:
        span = spans[mention.span]
        located.append((span.offset + mention.start, mention, target, score))
    located.sort(key=lambda item: item[0])
    result = []
    for link_index, (offset, mention, target, score) in enumerate(located):
        text = spans[mention.span].text
        link_text = text[mention.start : mention.end]
        result.append(
            Recommendation(
                link_text=link_text,
                wikitext_offset=offset,
                context_before=text[max(0, mention.start - CONTEXT_CHARS) : mention.start],
                context_after=text[mention.end : mention.end + CONTEXT_CHARS],
                link_target=target,
                match_index=_match_index(spans, mention.span, mention.start, link_text),
                score=round(score, 6),
                link_index=link_index,
            )
        )
    return result


def _match_index(spans: list, span_number: int, start: int, link_text: str) -> int:
    """How many times `link_text` occurs in top-level text before this occurrence."""
    count = sum(spans[i].text.count(link_text) for i in range(span_number))
    return count + spans[span_number].text[:start].count(link_text)


def recommend(
    index: LinkIndex,
    model: LinkModel,
    wikitext: str,
    page_title: str,
    threshold: float = 0.5,
    max_recommendations: int = 15,
    sections_to_exclude: Iterable[str] = (),
    language_code: str | None = None,
) -> list[Recommendation]:
    """Link recommendations for a page (see the module docstring for the rules)."""
    prepared = prepare(index, model, wikitext, page_title, sections_to_exclude, language_code)
    return select(prepared, threshold, max_recommendations)
