"""Redirects resolved to their final article, through chains, with a cycle guard."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

MAX_REDIRECT_HOPS = 10


@dataclass
class RedirectStats:
    """Counts of redirects that could not be resolved (reported in asset metadata)."""

    resolved: int = 0
    multi_hop: int = 0
    cycles: int = 0
    broken: int = 0
    too_long: int = 0
    cycle_examples: list[str] = field(default_factory=list)


def resolve_redirects(
    redirects: Mapping[str, str],
    articles: Iterable[str] | frozenset[str] | set[str],
    max_hops: int = MAX_REDIRECT_HOPS,
    allow_missing_final: bool = False,
) -> tuple[dict[str, str], RedirectStats]:
    """Map every redirect title to the article it finally leads to.

    The reference follows one hop; here chains are followed up to `max_hops`. A chain that
    comes back on itself (a cycle), ends on a missing page (broken) or is longer than `max_hops`
    is left out and counted.

    Args:
        redirects: redirect title to its target title (both normalised).
        articles: titles of the non-redirect pages a chain may end on.
        max_hops: the longest chain followed.
        allow_missing_final: accept a chain ending on a page the dump does not hold (a partial
            dump, where most linked pages are missing).

    Returns:
        `{redirect_title: article_title}` and the counts.
    """
    article_set = articles if isinstance(articles, (set, frozenset)) else set(articles)
    resolved: dict[str, str] = {}
    stats = RedirectStats()
    for source in sorted(redirects):
        seen = {source}
        current = redirects[source]
        hops = 1
        outcome = None
        while True:
            if current in article_set:
                outcome = current
                break
            if current in resolved:  # the rest of the chain is already known
                outcome = resolved[current]
                hops += 1
                break
            if current in seen:
                stats.cycles += 1
                if len(stats.cycle_examples) < 5:
                    stats.cycle_examples.append(source)
                break
            if current not in redirects:
                if allow_missing_final:
                    outcome = current
                else:
                    stats.broken += 1
                break
            if hops >= max_hops:
                stats.too_long += 1
                break
            seen.add(current)
            current = redirects[current]
            hops += 1
        if outcome is not None:
            resolved[source] = outcome
            stats.resolved += 1
            if hops > 1:
                stats.multi_hop += 1
    return resolved, stats


def resolve_target(
    title: str | None,
    redirects: Mapping[str, str],
    articles: Mapping[str, int] | AbstractSet[str],
    allow_unknown: bool = False,
) -> str | None:
    """The article a link target leads to (through resolved redirects), or None.

    With `allow_unknown` (a partial dump) a title the dump does not hold is taken as it is.
    """
    if title is None:
        return None
    if title in articles:
        return title
    final = redirects.get(title)
    if final is not None and (allow_unknown or final in articles):
        return final
    return title if allow_unknown else None
