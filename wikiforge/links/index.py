"""Everything the recommender looks up, held in memory: anchors, titles, redirects, vectors."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from wikiforge.links.features import AnchorEntry, make_entry
from wikiforge.links.matching import MentionMatcher
from wikiforge.links.redirects import resolve_target
from wikiforge.wikitext.plain import CANONICAL_NAMESPACE_PREFIXES
from wikiforge.wikitext.titles import normalize_title


class LinkIndex:
    """The in-memory datasets of one wiki.

    Args:
        anchors: `{anchor_key: {target: n_sources}}` (filtered).
        pageids: `{article title: page id}`.
        redirects: `{redirect title: final article title}`.
        vector_titles: titles of the rows of `vectors`.
        vectors: float32 article vectors.
        language_code: the wiki's language.
        link_probability: `{anchor_key: link probability}` (the extended feature).
        namespace_prefixes: lower-cased namespace and interwiki prefixes of the wiki.
        capitalize: whether the wiki capitalises titles.
        allow_unknown_targets: a partial dump: link targets it does not hold are kept.
    """

    def __init__(
        self,
        anchors: Mapping[str, Mapping[str, int]],
        pageids: Mapping[str, int],
        redirects: Mapping[str, str],
        vector_titles: list[str],
        vectors: np.ndarray,
        language_code: str,
        link_probability: Mapping[str, float] | None = None,
        namespace_prefixes: frozenset[str] = CANONICAL_NAMESPACE_PREFIXES,
        capitalize: bool = True,
        allow_unknown_targets: bool = False,
    ) -> None:
        probability = link_probability or {}
        self.entries: dict[str, AnchorEntry] = {
            key: make_entry(dict(targets), probability.get(key, float("nan")))
            for key, targets in anchors.items()
        }
        self.matcher = MentionMatcher(self.entries.keys(), language_code)
        self.pageids = dict(pageids)
        self.redirects = dict(redirects)
        self.vector_row = {title: row for row, title in enumerate(vector_titles)}
        self.vectors = vectors
        self.language_code = language_code
        self.namespace_prefixes = namespace_prefixes | CANONICAL_NAMESPACE_PREFIXES
        self.capitalize = capitalize
        self.allow_unknown_targets = allow_unknown_targets

    def vector(self, title: str) -> np.ndarray | None:
        """The article's vector, or None."""
        row = self.vector_row.get(title)
        return None if row is None else self.vectors[row]

    def normalize(self, raw: str) -> str | None:
        """Normalise a title as this wiki does."""
        return normalize_title(raw, self.language_code, self.capitalize)

    def normalize_in(self, raw: str, language_code: str) -> str | None:
        """Normalise a title with another language's casing rules (a request's override)."""
        return normalize_title(raw, language_code, self.capitalize)

    def resolve(self, title: str | None) -> str | None:
        """The article a (normalised) title leads to, or None."""
        if title is not None and self.allow_unknown_targets:
            head, colon, _ = title.partition(":")
            if colon and head.strip().lower() in self.namespace_prefixes:
                return None
        return resolve_target(title, self.redirects, self.pageids, self.allow_unknown_targets)
