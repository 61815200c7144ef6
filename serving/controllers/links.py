"""Link recommendations: GET and POST /v1/linkrecommendations/{project}/{domain}/{title}.

Compatible with Wikimedia's service: same parameters, response schema and error statuses (400
unknown wiki with the valid pairs, 404 unknown page, 413 oversized body, 422 malformed body),
never a 500 whatever the wikitext. The work is `serving.services.links`, which the CLI calls too.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import QueryParameter

from serving.schemas.links import LinkRecommendationResponse
from serving.services.links import LinkRecommendations, RecommendationParameters

Threshold = Annotated[float, QueryParameter(name="threshold", required=False)]
MaxRecommendations = Annotated[int, QueryParameter(name="max_recommendations", required=False)]
Sections = Annotated[list[str] | None, QueryParameter(name="sections_to_exclude", required=False)]
LanguageCode = Annotated[str | None, QueryParameter(name="language_code", required=False)]


class LinkRecommendationsController(Controller):
    """Wikimedia's link recommendation API."""

    path = "/v1/linkrecommendations"
    tags = ["links"]

    @get(
        "/{project:str}/{domain:str}/{title:path}",
        operation_id="getLinkRecommendations",
        summary="Link recommendations for a page of the latest materialized dump",
        sync_to_thread=True,
    )
    def get_page(
        self,
        links: LinkRecommendations,
        project: str,
        domain: str,
        title: str,
        threshold: Threshold = 0.5,
        max_recommendations: MaxRecommendations = 15,
        sections_to_exclude: Sections = None,
        language_code: LanguageCode = None,
        revision: Annotated[int | None, QueryParameter(name="revision", required=False)] = None,
    ) -> LinkRecommendationResponse:
        """Suggested links for a page, its wikitext taken from the latest materialized dump."""
        parameters = RecommendationParameters(
            threshold, max_recommendations, tuple(sections_to_exclude or ()), language_code
        )
        return links.for_page(project, domain, title.lstrip("/"), parameters, revision)

    @post(
        "/{project:str}/{domain:str}/{title:path}",
        operation_id="postLinkRecommendations",
        summary="Link recommendations for the posted wikitext",
        sync_to_thread=True,
        status_code=200,
    )
    def post_page(
        self,
        links: LinkRecommendations,
        project: str,
        domain: str,
        title: str,
        body: bytes,
        threshold: Threshold = 0.5,
        max_recommendations: MaxRecommendations = 15,
        sections_to_exclude: Sections = None,
        language_code: LanguageCode = None,
    ) -> LinkRecommendationResponse:
        """Suggested links for the posted `{wikitext, revid, pageid, sections_to_exclude?}`."""
        parameters = RecommendationParameters(
            threshold, max_recommendations, tuple(sections_to_exclude or ()), language_code
        )
        return links.for_wikitext(project, domain, title.lstrip("/"), body, parameters)
