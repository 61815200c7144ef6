"""Image suggestions for unillustrated articles: by article, and the best of a wiki."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import Parameter

from serving.datasets import DatasetCatalog
from serving.schemas.images import (
    ArticleImageSuggestions,
    ArticleImageSuggestionsResponse,
    ImageSuggestion,
    WikiImageSuggestionsResponse,
)
from wikiforge.images.lookup import ArticleSuggestions, SuggestionIndex
from wikiforge.storage import StoredAsset

ASSET = "image_suggestions"
MAX_TITLE_CHARS = 512


def load_suggestions(stored: StoredAsset) -> SuggestionIndex:
    """Catalog loader: the suggestion index of a published image_suggestions version."""
    return SuggestionIndex.from_stored(stored)


def _article(found: ArticleSuggestions) -> ArticleImageSuggestions:
    return ArticleImageSuggestions(
        wiki=found.wiki,
        page_id=found.page_id,
        page_title=found.page_title,
        state=found.state,
        item=found.item,
        instance_of=list(found.instance_of),
        dump_date=found.dump_date,
        wikidata_dump_date=found.wikidata_dump_date,
        suggestions=[
            ImageSuggestion(
                rank=s.rank,
                image=s.image,
                confidence=s.confidence,
                score=s.score,
                source=s.source,
                found_on=list(s.found_on),
            )
            for s in found.suggestions
        ],
    )


def _index(catalog: DatasetCatalog, wiki: str):
    loaded = catalog.get(ASSET, None, load_suggestions)
    if loaded is None:
        raise NotFoundException(detail="no image suggestions have been published yet")
    if wiki not in loaded.value.wikis:
        raise NotFoundException(
            detail=f"no image suggestions for wiki {wiki!r}",
            extra={"wikis": sorted(loaded.value.wikis)},
        )
    return loaded


class ImagesController(Controller):
    """``/v1/images``: image suggestions by article and best first per wiki."""

    path = "/v1/images"
    tags = ["images"]

    @get(
        "/{wiki:str}/{title:path}",
        operation_id="getArticleImageSuggestions",
        summary="Image suggestions for one article",
        sync_to_thread=True,
    )
    def article(
        self,
        catalog: DatasetCatalog,
        wiki: Annotated[str, Parameter(description="Wiki database name, e.g. hawiki")],
        title: Annotated[str, Parameter(description="Article title (spaces or underscores)")],
    ) -> ArticleImageSuggestionsResponse:
        """An article's state (illustrated, unillustrated) and, for an unillustrated one, up to
        three pictures, best first, with confidence (high: the item's P18, medium: other
        wikis' lead image, low: its Commons category), a 0-1 score and the wikis that use the
        file; the list is empty when there is nothing to suggest. 404 only for an article the
        wiki's dump does not have.
        """
        title = title.lstrip("/")
        if not title.strip() or len(title) > MAX_TITLE_CHARS:
            raise ValidationException(detail=f"title must be 1-{MAX_TITLE_CHARS} characters")
        loaded = _index(catalog, wiki)
        found = loaded.value.article(wiki, title)
        if found is None:
            raise NotFoundException(detail=f"no article {title!r} in {wiki}'s dump")
        return ArticleImageSuggestionsResponse(
            article=_article(found), dataset_version=loaded.version, checksum=loaded.checksum
        )

    @get(
        "/{wiki:str}",
        operation_id="listWikiImageSuggestions",
        summary="A wiki's unillustrated articles with suggestions, best first",
        sync_to_thread=True,
    )
    def wiki(
        self,
        catalog: DatasetCatalog,
        wiki: Annotated[str, Parameter(description="Wiki database name, e.g. hawiki")],
        limit: Annotated[int, Parameter(description="Articles wanted", ge=1, le=1000)] = 20,
    ) -> WikiImageSuggestionsResponse:
        """The wiki's unillustrated articles that have suggestions, ordered by their best
        suggestion's score (then by how many they have). 404 for a wiki not in the dataset.
        """
        loaded = _index(catalog, wiki)
        best = loaded.value.best(wiki, limit)
        return WikiImageSuggestionsResponse(
            wiki=wiki,
            total=loaded.value.count(wiki),
            articles=[_article(a) for a in best],
            dataset_version=loaded.version,
            checksum=loaded.checksum,
        )
