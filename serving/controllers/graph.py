"""PageRank of a wiki's articles: one article's score and rank, or the top N."""

from __future__ import annotations

import re
from typing import Annotated

from litestar import Controller, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import Parameter

from serving.schemas.graph import PageRankEntry, PageRankItem, PageRankTop
from wikiforge.graph.lookup import PageRankIndex, RankedPage

ASSET = "pagerank"
MAX_TOP = 1000
MAX_TITLE_CHARS = 512
_WIKI = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def load_pagerank(stored) -> PageRankIndex:
    """Catalog loader: a published pagerank version as a title-searchable index."""
    return PageRankIndex(
        stored.table(["rank", "title", "page_id", "score", "in_degree", "out_degree"])
    )


def _loaded(state: State, wiki: str):
    if not _WIKI.match(wiki):
        raise ValidationException(detail="wiki must be a wiki database name such as 'chwiki'")
    loaded = state.catalog.get(ASSET, wiki, load_pagerank)
    if loaded is None:
        raise NotFoundException(detail=f"no published PageRank for wiki {wiki!r}")
    return loaded


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
        state: State,
        wiki: Annotated[str, Parameter(description="Wiki database name, e.g. chwiki")],
        top: Annotated[int, Parameter(description="How many articles", ge=1, le=MAX_TOP)] = 10,
    ) -> PageRankTop:
        """The `top` best-ranked articles of the wiki in rank order (ties by page id), each with
        its score and in- and out-degree.
        """
        loaded = _loaded(state, wiki)
        index: PageRankIndex = loaded.value
        return PageRankTop(
            wiki=wiki,
            items=[_item(page) for page in index.top(top)],
            nodes=len(index),
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
        state: State,
        wiki: Annotated[str, Parameter(description="Wiki database name, e.g. chwiki")],
        title: Annotated[str, Parameter(description="Article title (spaces or underscores)")],
    ) -> PageRankEntry:
        """Score, rank, in-degree and out-degree of one article (a title that is a redirect or
        not an article answers 404).
        """
        title = title.lstrip("/")
        if not title or len(title) > MAX_TITLE_CHARS:
            raise ValidationException(detail=f"title must be 1-{MAX_TITLE_CHARS} characters")
        loaded = _loaded(state, wiki)
        index: PageRankIndex = loaded.value
        page = index.find(title)
        if page is None:
            raise NotFoundException(detail=f"{title!r} is not an article of {wiki}")
        return PageRankEntry(
            wiki=wiki,
            title=page.title,
            page_id=page.page_id,
            rank=page.rank,
            score=page.score,
            in_degree=page.in_degree,
            out_degree=page.out_degree,
            nodes=len(index),
            checksum=loaded.checksum,
        )
