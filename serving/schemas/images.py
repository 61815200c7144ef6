"""Response structs of the image suggestion endpoints."""

from __future__ import annotations

import msgspec


class ImageSuggestion(msgspec.Struct):
    """One suggested file for an article."""

    rank: int
    image: str  # file name in database form, without the File: prefix
    confidence: str  # high | medium | low
    score: float  # 0..1, monotone with confidence
    source: str  # wikidata (P18) | wikipedia (other wikis' lead image) | commons (P373)
    found_on: list[str]  # wikis whose lead image it is


class ArticleImageSuggestions(msgspec.Struct):
    """An article, its state and its suggestions (best first; empty when none)."""

    wiki: str
    page_id: int
    page_title: str
    state: str  # illustrated | unillustrated
    item: str | None  # null for an article without a Wikidata item
    instance_of: list[str]
    suggestions: list[ImageSuggestion]
    dump_date: str
    wikidata_dump_date: str | None


class ArticleImageSuggestionsResponse(msgspec.Struct):
    """The suggestions for one article, and the dataset version they come from."""

    article: ArticleImageSuggestions
    dataset_version: str
    checksum: str


class WikiImageSuggestionsResponse(msgspec.Struct):
    """A wiki's unillustrated articles with suggestions, best first."""

    wiki: str
    total: int  # articles of the wiki that have suggestions
    articles: list[ArticleImageSuggestions]
    dataset_version: str
    checksum: str
