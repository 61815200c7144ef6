"""Response shapes of the PageRank endpoints."""

from __future__ import annotations

import msgspec


class PageRankItem(msgspec.Struct):
    """One article's PageRank: rank 1 is the highest score (ties by page id)."""

    rank: int
    title: str
    page_id: int
    score: float
    in_degree: int
    out_degree: int


class PageRankTop(msgspec.Struct):
    """The best-ranked articles of a wiki, in rank order."""

    wiki: str
    items: list[PageRankItem]
    nodes: int
    checksum: str


class PageRankEntry(msgspec.Struct):
    """One article's PageRank entry in a wiki."""

    wiki: str
    title: str
    page_id: int
    rank: int
    score: float
    in_degree: int
    out_degree: int
    nodes: int
    checksum: str
