"""Request and response shapes of the link recommendation API (the reference's schema)."""

from __future__ import annotations

import msgspec


class LinkRecommendationRequest(msgspec.Struct, forbid_unknown_fields=False):
    """POST body: the page's wikitext and its ids (as the reference's swagger spec)."""

    wikitext: str
    revid: int
    pageid: int
    sections_to_exclude: list[str] = []


class LinkRecommendation(msgspec.Struct):
    """One suggested link."""

    link_text: str
    wikitext_offset: int
    context_before: str
    context_after: str
    link_target: str
    match_index: int
    score: float
    link_index: int


class DatasetChecksums(msgspec.Struct):
    """sha256 of the published datasets the answer came from."""

    anchors: str
    w2vfiltered: str
    redirects: str
    pageids: str
    model: str


class LinkRecommendationMeta(msgspec.Struct):
    """Response format, dataset checksums and the application version."""

    format_version: int
    dataset_checksums: DatasetChecksums
    application_version: str
    dataset_version: str


class LinkRecommendationResponse(msgspec.Struct):
    """The reference's response: links, their count, the page and the metadata."""

    links: list[LinkRecommendation]
    links_count: int
    page_title: str
    pageid: int | None
    revid: int | None
    meta: LinkRecommendationMeta
