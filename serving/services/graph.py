"""Page scores over the link graph: a wiki's published PageRank, as a title-searchable index."""

from __future__ import annotations

import re

from serving.datasets import DatasetCatalog, Loaded
from serving.services.errors import InvalidParameter, NotFound
from wikiforge.graph.lookup import PageRankIndex, RankedPage
from wikiforge.storage import StoredAsset

ASSET = "pagerank"
MAX_TITLE_CHARS = 512
_WIKI = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def load_pagerank(stored: StoredAsset) -> PageRankIndex:
    """Catalog loader: a published pagerank version as a title-searchable index."""
    return PageRankIndex(
        stored.table(["rank", "title", "page_id", "score", "in_degree", "out_degree"])
    )


class PageRankService:
    """PageRank of a wiki's articles: the top N, or one article's score and rank."""

    def __init__(self, catalog: DatasetCatalog) -> None:
        self.catalog = catalog

    def index(self, wiki: str) -> Loaded[PageRankIndex]:
        """The wiki's published index; 400 for a malformed wiki name, 404 if none is published."""
        if not _WIKI.match(wiki):
            raise InvalidParameter("wiki must be a wiki database name such as 'chwiki'")
        loaded = self.catalog.get(ASSET, wiki, load_pagerank)
        if loaded is None:
            raise NotFound(f"no published PageRank for wiki {wiki!r}")
        return loaded

    def page(self, wiki: str, title: str) -> tuple[RankedPage, Loaded[PageRankIndex]]:
        """One article and the index it was found in; 404 for a redirect or a non-article."""
        if not title or len(title) > MAX_TITLE_CHARS:
            raise InvalidParameter(f"title must be 1-{MAX_TITLE_CHARS} characters")
        loaded = self.index(wiki)
        page = loaded.value.find(title)
        if page is None:
            raise NotFound(f"{title!r} is not an article of {wiki}")
        return page, loaded
