"""The target page's PageRank as a feature for the link recommender (the links line calls this).

The feature is ``log10(n * pagerank(target))``: 0 for a page of average importance in its wiki,
+1 for ten times the average, -1 for a tenth. Scaling by the wiki's article count n makes the
value comparable across wikis of any size (raw scores average 1/n), and the logarithm tames the
heavy tail. Targets that are not articles of the graph (red links, other namespaces, titles
newer than the dump) get NaN, which XGBoost treats as missing.

Usage::

    lookup = PageRankFeature.from_table(pagerank_table)   # columns title, score
    lookup.value("Guam")                                   # one target
    lookup.values(["Guam", "Hagåtña"])                     # numpy array
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pyarrow as pa

#: Name of the feature column in a link model's feature table.
FEATURE_NAME = "target_pagerank_log"


def database_title(title: str) -> str:
    """A title in MediaWiki's database form: underscores for spaces, trimmed, first letter
    upper-cased (the default ``$wgCapitalLinks`` of Wikipedias).
    """
    title = title.strip().replace(" ", "_")
    return title[:1].upper() + title[1:]


class PageRankFeature:
    """Look up the log-relative PageRank of link targets of one wiki.

    Args:
        titles: Article titles (database form or with spaces).
        scores: PageRank of each title (a distribution summing to 1 over the wiki).
    """

    def __init__(self, titles: Iterable[str], scores: Iterable[float]) -> None:
        title_list = list(titles)
        score_array = np.asarray(list(scores), dtype=np.float64)
        if len(title_list) != score_array.shape[0]:
            raise ValueError("titles and scores differ in length")
        node_count = max(len(title_list), 1)
        with np.errstate(divide="ignore"):
            values = np.log10(score_array * node_count)
        self._values: dict[str, float] = {}
        for title, value in zip(title_list, values.tolist(), strict=True):
            self._values[title] = value
            self._values.setdefault(database_title(title), value)

    @classmethod
    def from_table(cls, table: pa.Table) -> PageRankFeature:
        """Build from a `pagerank` table (columns ``title`` and ``score``)."""
        return cls(table.column("title").to_pylist(), table.column("score").to_numpy())

    def value(self, target_title: str) -> float:
        """The feature for one target title; NaN when the title is not an article."""
        found = self._values.get(target_title)
        if found is None:
            found = self._values.get(database_title(target_title))
        return math.nan if found is None else found

    def values(self, target_titles: Iterable[str]) -> np.ndarray:
        """The feature for many target titles, as a float64 array."""
        return np.fromiter((self.value(t) for t in target_titles), dtype=np.float64)

    def __len__(self) -> int:
        return len(self._values)
