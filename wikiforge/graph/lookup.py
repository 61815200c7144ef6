"""In-memory lookup over a published `pagerank` table (what the server loads per version)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from wikiforge.graph.features import database_title


@dataclass(frozen=True)
class RankedPage:
    """One article's PageRank entry."""

    rank: int
    title: str
    page_id: int
    score: float
    in_degree: int
    out_degree: int


class PageRankIndex:
    """Rank-ordered PageRank entries of one wiki, searchable by title.

    Args:
        table: A `pagerank` table (columns rank, title, page_id, score, in_degree, out_degree)
            in rank order, as the asset writes it.

    Raises:
        ValueError: If the table is not in rank order 1..n.
    """

    def __init__(self, table: pa.Table) -> None:
        self.rank = table.column("rank").to_numpy()
        if not np.array_equal(self.rank, np.arange(1, table.num_rows + 1)):
            raise ValueError("pagerank table is not in rank order 1..n")
        self.titles: list[str] = table.column("title").to_pylist()
        self.page_id = table.column("page_id").to_numpy()
        self.score = table.column("score").to_numpy()
        self.in_degree = table.column("in_degree").to_numpy()
        self.out_degree = table.column("out_degree").to_numpy()
        self._row_of_title = {title: row for row, title in enumerate(self.titles)}

    def __len__(self) -> int:
        return len(self.titles)

    def entry(self, row: int) -> RankedPage:
        """The entry at a 0-based row (rank row + 1)."""
        return RankedPage(
            rank=int(self.rank[row]),
            title=self.titles[row],
            page_id=int(self.page_id[row]),
            score=float(self.score[row]),
            in_degree=int(self.in_degree[row]),
            out_degree=int(self.out_degree[row]),
        )

    def find(self, title: str) -> RankedPage | None:
        """The entry of a title, as stored or in any form MediaWiki treats as the same title
        (spaces for underscores, lower-case first letter); None if not an article.
        """
        row = self._row_of_title.get(title)
        if row is None:
            row = self._row_of_title.get(database_title(title))
        return None if row is None else self.entry(row)

    def top(self, count: int) -> list[RankedPage]:
        """The `count` best-ranked entries (fewer if the wiki is smaller)."""
        return [self.entry(row) for row in range(min(max(count, 0), len(self.titles)))]
