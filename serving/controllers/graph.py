"""PageRank of a wiki's articles: one article's score and rank, or the top N."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import Parameter

from serving.schemas.graph import PageRankEntry, PageRankItem, PageRankTop
from serving.services.graph import PageRankService
from wikiforge.graph.lookup import RankedPage

MAX_TOP = 1000


def _item(page: RankedPage) -> PageRankItem:
    return PageRankItem(
        rank=page.rank,
        title=page.title,
        page_id=page.page_id,
        score=page.score,
        in_degree=page.in_degree,
        out_degree=page.out_degree,
    )


class PageRankController(Controller):
    """Static page scores over a wiki's link graph."""

    path = "/v1/pagerank"
    tags = ["graph"]

    @get(
        "/{wiki:str}",
        operation_id="topPageRank",
        summary="Top articles by PageRank",
        sync_to_thread=True,
    )
    def top(
        self,
        pagerank: PageRankService,
        wiki: Annotated[str, Parameter(description="Wiki database name, e.g. chwiki")],
        top: Annotated[int, Parameter(description="How many articles", ge=1, le=MAX_TOP)] = 10,
    ) -> PageRankTop:
        """The `top` best-ranked articles of the wiki in rank order (ties by page id), each with
        its score and in- and out-degree.
        """
        loaded = pagerank.index(wiki)
        return PageRankTop(
            wiki=wiki,
            items=[_item(page) for page in loaded.value.top(top)],
            nodes=len(loaded.value),
            checksum=loaded.checksum,
        )

    @get(
        "/{wiki:str}/{title:path}",
        operation_id="getPageRank",
        summary="PageRank of one article",
        sync_to_thread=True,
    )
    def one(
        self,
        pagerank: PageRankService,
        wiki: Annotated[str, Parameter(description="Wiki database name, e.g. chwiki")],
        title: Annotated[str, Parameter(description="Article title (spaces or underscores)")],
    ) -> PageRankEntry:
        """Score, rank, in-degree and out-degree of one article (a title that is a redirect or
        not an article answers 404).
        """
        page, loaded = pagerank.page(wiki, title.lstrip("/"))
        return PageRankEntry(
            wiki=wiki,
            title=page.title,
            page_id=page.page_id,
            rank=page.rank,
            score=page.score,
            in_degree=page.in_degree,
            out_degree=page.out_degree,
            nodes=len(loaded.value),
            checksum=loaded.checksum,
        )
