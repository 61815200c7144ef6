"""Which targets are never recommended: excluded Wikidata classes and per-wiki never-link lists.

The P31 classes are the reference's list (research-mwaddlink's
`filter_dict_anchor.py`, docs/references.md#mwaddlink), grouped so a wiki can
switch a group on or off; the never-link list is the communities' most requested feature.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

EXCLUDED_P31_GROUPS: dict[str, frozenset[str]] = {
    "non_content": frozenset({"Q4167410", "Q13406463"}),
    "dates": frozenset(
        {
            "Q3186692",
            "Q577",
            "Q573",
            "Q39911",
            "Q578",
            "Q36507",
            "Q47150325",
            "Q47018478",
            "Q205892",
            "Q14795564",
            "Q18340514",
        }
    ),
    "units": frozenset(
        {"Q1978718", "Q1790144", "Q1302471", "Q3647172", "Q2916980", "Q3550873", "Q8142", "Q27084"}
    ),
    "given_names": frozenset({"Q202444", "Q1243157", "Q3409032", "Q12308941", "Q11879590"}),
    "countries_continents": frozenset({"Q6256", "Q5107"}),
}

DEFAULT_GROUPS = ("non_content", "dates", "units", "given_names")
# Wikis on which extra groups apply (the reference: countries and continents on enwiki only).
EXTRA_GROUPS_BY_WIKI: dict[str, tuple[str, ...]] = {"enwiki": ("countries_continents",)}


def excluded_classes(wiki: str, groups: Iterable[str] | None = None) -> frozenset[str]:
    """The P31 classes (QIDs) whose items are never link targets on `wiki`."""
    chosen = (
        tuple(groups) if groups is not None else DEFAULT_GROUPS + EXTRA_GROUPS_BY_WIKI.get(wiki, ())
    )
    qids: set[str] = set()
    for group in chosen:
        qids |= EXCLUDED_P31_GROUPS[group]
    return frozenset(qids)


@dataclass
class FilterStats:
    """What the filter removed (asset metadata)."""

    anchors_in: int = 0
    anchors_out: int = 0
    candidates_removed_p31: int = 0
    candidates_removed_never_link: int = 0
    anchors_emptied: int = 0
    p31_applied: bool = False


def filter_anchors(
    anchors: Mapping[str, Mapping[str, int]],
    p31_by_title: Mapping[str, Iterable[str]] | None,
    excluded: frozenset[str],
    never_link: Iterable[str] = (),
) -> tuple[dict[str, dict[str, int]], FilterStats]:
    """Remove excluded targets from the anchor dictionary; drop anchors left without any.

    Args:
        anchors: `{anchor: {target: count}}`.
        p31_by_title: the P31 classes of each target title, or None when the wiki has no
            Wikidata data (then only the never-link list applies).
        excluded: QIDs whose instances are removed.
        never_link: titles never to recommend on this wiki.

    Returns:
        The filtered dictionary and the counts.
    """
    never = frozenset(never_link)
    stats = FilterStats(anchors_in=len(anchors), p31_applied=p31_by_title is not None)
    blocked_cache: dict[str, str | None] = {}

    def block_reason(title: str) -> str | None:
        if title not in blocked_cache:
            reason = None
            if title in never:
                reason = "never_link"
            elif p31_by_title is not None and not excluded.isdisjoint(p31_by_title.get(title, ())):
                reason = "p31"
            blocked_cache[title] = reason
        return blocked_cache[title]

    result: dict[str, dict[str, int]] = {}
    for anchor in sorted(anchors):
        kept = {}
        for target, count in anchors[anchor].items():
            reason = block_reason(target)
            if reason == "p31":
                stats.candidates_removed_p31 += 1
            elif reason == "never_link":
                stats.candidates_removed_never_link += 1
            else:
                kept[target] = count
        if kept:
            result[anchor] = kept
        else:
            stats.anchors_emptied += 1
    stats.anchors_out = len(result)
    return result, stats
