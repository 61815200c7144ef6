"""The anchor dictionary: anchor text (lower-cased per language) to {target: source articles}.

Built as the reference builds it (research-mwaddlink's
`generate_anchor_dictionary_spark.py`, docs/references.md#mwaddlink), with its filters: numeric
anchors out, anchors linked only once out, link probability aslink/(aslink+astext) at least
0.065. The as-text count masks matched n-grams (longest first), which the reference intends but
does not do; `mask=False` reproduces the reference's count for comparison.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from wikiforge.links.matching import MentionMatcher, mask_longest_first, sentence_matches

NUMERIC_ANCHOR = re.compile(r"^[0-9]+$|^[0-9]+[/-][0-9]+$")
MIN_LINK_PROBABILITY = 0.065
MIN_AS_LINK = 2
#: An anchor linked fewer than `MIN_AS_LINK` times is still kept when at least this share of
#: its occurrences are links (None: never, the reference's rule). The reference's "linked at
#: least twice" halves a small wiki's dictionary; an anchor written once, and linked where it
#: was written, is strong evidence there, and weak in a large wiki where the same words also
#: occur as plain text (its link probability falls). The model sees the counts and judges.
#: 0.2 was chosen by leave-one-wiki-out over the sample wikis (bench/links_settings_lowo.py,
#: docs/benchmarks/links.md) against 0.5 and the reference's rule.
SINGLE_LINK_MIN_PROBABILITY: float | None = 0.2


@dataclass
class LinkAnchorCounts:
    """Counts from the links of all learning articles.

    Attributes:
        as_link: link occurrences per anchor key.
        sources: `{anchor: {target: number of distinct source articles}}`.
    """

    as_link: Counter
    sources: dict[str, Counter]


def count_link_anchors(
    pages_links: Iterable[tuple[str, Iterable[tuple[str, str]]]],
) -> LinkAnchorCounts:
    """Count anchors over pages.

    Args:
        pages_links: `(source_title, [(anchor_key, resolved_target), ...])` per page; links to
            non-articles are already left out.
    """
    as_link: Counter = Counter()
    sources: dict[str, Counter] = defaultdict(Counter)
    for _source, links in pages_links:
        distinct = set()
        for key, target in links:
            if not key:
                continue
            as_link[key] += 1
            distinct.add((key, target))
        for key, target in distinct:
            sources[key][target] += 1
    return LinkAnchorCounts(as_link, dict(sources))


def candidate_anchor_keys(
    counts: LinkAnchorCounts,
    min_as_link: int = MIN_AS_LINK,
    single_link_min_probability: float | None = SINGLE_LINK_MIN_PROBABILITY,
) -> list[str]:
    """Anchors that pass the link-side filters (not numeric, linked at least `min_as_link`
    times, or once when single links may be kept), sorted: the set whose plain-text
    occurrences must be counted.
    """
    if single_link_min_probability is not None:
        min_as_link = 1
    return sorted(
        key
        for key, n in counts.as_link.items()
        if n >= min_as_link and not NUMERIC_ANCHOR.match(key)
    )


def count_as_text(
    chunks: Iterable[str],
    matcher: MentionMatcher,
    language_code: str | None = None,
    mask: bool = True,
    counts: Counter | None = None,
) -> Counter:
    """Add the plain-text occurrences of anchors in prose chunks to `counts`.

    Args:
        chunks: prose text with the links already taken out.
        matcher: the candidate anchors.
        language_code: the wiki's language (lower-casing).
        mask: count only non-overlapping matches, longest first (True), or every overlapping
            n-gram as the reference does (False).
        counts: the counter to add to (a new one if None).
    """
    counts = Counter() if counts is None else counts
    for chunk in chunks:
        for _, _, found in sentence_matches(chunk, matcher, language_code):
            if mask:
                found = mask_longest_first(found)
            for _, _, key in found:
                counts[key] += 1
    return counts


@dataclass
class AnchorStats:
    """What the filters did (asset metadata)."""

    anchors_seen: int = 0
    dropped_numeric_or_once: int = 0
    dropped_link_probability: int = 0
    anchors_kept: int = 0
    pairs_kept: int = 0


def build_anchor_dictionary(
    counts: LinkAnchorCounts,
    as_text: Counter,
    min_link_probability: float = MIN_LINK_PROBABILITY,
    min_as_link: int = MIN_AS_LINK,
    single_link_min_probability: float | None = SINGLE_LINK_MIN_PROBABILITY,
) -> tuple[dict[str, dict[str, int]], AnchorStats]:
    """Apply the reference's filters and return `{anchor: {target: n_sources}}` (sorted keys);
    with `single_link_min_probability`, anchors linked fewer than `min_as_link` times are kept
    when their link probability reaches it.
    """
    stats = AnchorStats(anchors_seen=len(counts.as_link))
    kept = set(candidate_anchor_keys(counts, min_as_link, single_link_min_probability))
    stats.dropped_numeric_or_once = stats.anchors_seen - len(kept)
    anchors: dict[str, dict[str, int]] = {}
    for key in sorted(kept):
        as_link = counts.as_link[key]
        probability = as_link / (as_link + as_text.get(key, 0))
        if as_link < min_as_link and (
            single_link_min_probability is None or probability < single_link_min_probability
        ):
            stats.dropped_numeric_or_once += 1
            continue
        if probability < min_link_probability:
            stats.dropped_link_probability += 1
            continue
        targets = counts.sources[key]
        anchors[key] = {t: targets[t] for t in sorted(targets)}
        stats.pairs_kept += len(targets)
    stats.anchors_kept = len(anchors)
    return anchors, stats


def link_probabilities(counts: LinkAnchorCounts, as_text: Counter) -> dict[str, float]:
    """Link probability of every anchor that was counted as text (an extra serving feature)."""
    return {
        key: counts.as_link[key] / (counts.as_link[key] + as_text.get(key, 0))
        for key in counts.as_link
    }
