"""Link recommendations: GET and POST /v1/linkrecommendations/{project}/{domain}/{title}.

Compatible with Wikimedia's service: same parameters, response schema and error statuses (400
unknown wiki with the valid pairs, 404 unknown page, 413 oversized body, 422 malformed body),
never a 500 whatever the wikitext. Datasets come from the published `link_datasets` version
through the catalog, so a newly published model is served without a restart.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.params import QueryParameter

from serving.datasets import DatasetCatalog
from serving.schemas.links import (
    DatasetChecksums,
    LinkRecommendation,
    LinkRecommendationMeta,
    LinkRecommendationRequest,
    LinkRecommendationResponse,
)
from serving.version import APPLICATION_VERSION
from wikiforge.links.index import LinkIndex
from wikiforge.links.model import LinkModel
from wikiforge.links.recommend import recommend
from wikiforge.links.stored import load_bundle
from wikiforge.storage import StoredAsset

log = logging.getLogger("wikiforge.serving.links")

ASSET = "link_datasets"
PROJECTS = {"wikipedia": "wiki"}
MAX_SECTIONS_TO_EXCLUDE = 25
MAX_SECTION_CHARS = 255
MAX_TITLE_CHARS = 512
MAX_RECOMMENDATIONS = 500
MAX_REDIRECT_HOPS = 10
#: Default longest wikitext (characters) a POST may send: MediaWiki's own page size limit
#: ($wgMaxArticleSize, 2,048 KiB). Set `WIKIFORGE_LINKS_MAX_WIKITEXT_CHARS` to change it.
DEFAULT_MAX_WIKITEXT_CHARS = 2048 * 1024
_DOMAIN = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_LANGUAGE = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{0,30}$")
_DECODER = msgspec.json.Decoder(LinkRecommendationRequest)


@dataclass(frozen=True)
class LinkService:
    """One published version of a wiki's datasets, loaded."""

    index: LinkIndex
    model: LinkModel
    meta: dict


def load_link_service(stored: StoredAsset) -> LinkService:
    """Catalog loader: the serving bundle and model of a `link_datasets` version."""
    index, meta = load_bundle(stored.dir / "bundle")
    model = LinkModel.load(stored.path(meta["model"]))
    return LinkService(index, model, {**meta, "version": stored.version})


class BadRequest(HTTPException):
    """400 with the reference's details."""

    status_code = 400


def wiki_id(project: str, domain: str) -> str | None:
    """`wikipedia`, `ha` -> `hawiki` (None for an unknown project or malformed domain)."""
    suffix = PROJECTS.get(project)
    if suffix is None or not _DOMAIN.match(domain):
        return None
    return domain.replace("-", "_") + suffix


def valid_pairs(catalog: DatasetCatalog) -> list[list[str]]:
    """`[project, domain]` pairs with a published model."""
    pairs = []
    for wiki in catalog.partitions(ASSET):
        for project, suffix in PROJECTS.items():
            if wiki.endswith(suffix):
                pairs.append([project, wiki[: -len(suffix)].replace("_", "-")])
    return sorted(pairs)


def service_for(catalog: DatasetCatalog, project: str, domain: str) -> LinkService:
    """The loaded datasets of a wiki, or a 400 listing the valid project/domain pairs."""
    wiki = wiki_id(project, domain)
    loaded = catalog.get(ASSET, wiki, load_link_service) if wiki else None
    if loaded is None:
        raise BadRequest(
            detail=f"Unknown project/domain: {project}/{domain}",
            extra={"valid_project_domain_pairs": valid_pairs(catalog)},
        )
    return loaded.value


def page_from_dump(
    catalog: DatasetCatalog, wiki: str, title: str, language_code: str
) -> tuple[str, int, int, str]:
    """`(wikitext, page_id, revision_id, title)` of a page in the latest materialized dump,
    following redirects; 404 when there is no such page.
    """
    import duckdb

    from wikiforge.wikitext.titles import normalize_title

    stored = catalog.current("pages", wiki)
    wanted = normalize_title(title, language_code)
    if stored is None or wanted is None:
        raise NotFoundException(detail=f"Page not found: {title}")
    files = [str(p) for p in stored.parquet_paths()]
    with duckdb.connect() as con:
        for _ in range(MAX_REDIRECT_HOPS):
            row = con.execute(
                "SELECT text, page_id, revision_id, redirect FROM read_parquet($f) "
                "WHERE namespace = 0 AND title = $t LIMIT 1",
                {"f": files, "t": wanted},
            ).fetchone()
            if row is None:
                break
            text, page_id, revision_id, redirect = row
            if not redirect:
                return text, page_id, revision_id, wanted
            wanted = normalize_title(redirect, language_code)
            if wanted is None:
                break
    raise NotFoundException(detail=f"Page not found: {title}")


def max_wikitext_chars() -> int:
    """The configured wikitext limit (read per request, so a deployment can change it)."""
    value = os.environ.get("WIKIFORGE_LINKS_MAX_WIKITEXT_CHARS")
    if value is None or not value.strip():
        return DEFAULT_MAX_WIKITEXT_CHARS
    try:
        limit = int(value)
    except ValueError:
        log.error(
            "WIKIFORGE_LINKS_MAX_WIKITEXT_CHARS=%r is not an integer; using %d",
            value,
            DEFAULT_MAX_WIKITEXT_CHARS,
        )
        return DEFAULT_MAX_WIKITEXT_CHARS
    return max(limit, 0)


def _check_parameters(
    threshold: float,
    max_recommendations: int,
    sections: list[str],
    language_code: str | None,
    title: str,
) -> None:
    if not 0.0 <= threshold <= 1.0:
        raise ValidationException(detail="threshold must be between 0 and 1")
    if not 1 <= max_recommendations <= MAX_RECOMMENDATIONS:
        raise ValidationException(
            detail=f"max_recommendations must be between 1 and {MAX_RECOMMENDATIONS}"
        )
    if len(sections) > MAX_SECTIONS_TO_EXCLUDE or any(len(s) > MAX_SECTION_CHARS for s in sections):
        raise ValidationException(
            detail=f"at most {MAX_SECTIONS_TO_EXCLUDE} sections_to_exclude of at most "
            f"{MAX_SECTION_CHARS} characters"
        )
    if language_code is not None and not _LANGUAGE.match(language_code):
        raise ValidationException(detail="language_code is not a language code")
    if not title or len(title) > MAX_TITLE_CHARS:
        raise ValidationException(detail="page title is empty or too long")


def recommendations(
    service: LinkService,
    wikitext: str,
    page_title: str,
    pageid: int | None,
    revid: int | None,
    threshold: float,
    max_recommendations: int,
    sections_to_exclude: list[str],
    language_code: str | None = None,
) -> LinkRecommendationResponse:
    """Run the recommender and shape the reference's response."""
    try:
        found = recommend(
            service.index,
            service.model,
            wikitext,
            page_title,
            threshold,
            max_recommendations,
            sections_to_exclude,
            language_code,
        )
    except RecursionError as exc:  # pathological nesting: a client error, not a server one
        raise HTTPException(status_code=422, detail="wikitext nested too deeply") from exc
    links = [
        LinkRecommendation(**{f: getattr(r, f) for f in LinkRecommendation.__struct_fields__})
        for r in found
    ]
    checksums = service.meta["dataset_checksums"]
    return LinkRecommendationResponse(
        links=links,
        links_count=len(links),
        page_title=page_title,
        pageid=pageid,
        revid=revid,
        meta=LinkRecommendationMeta(
            format_version=1,
            dataset_checksums=DatasetChecksums(
                **{k: checksums[k] for k in DatasetChecksums.__struct_fields__}
            ),
            application_version=APPLICATION_VERSION,
            dataset_version=service.meta.get("version", ""),
        ),
    )


def get_recommendations(
    catalog: DatasetCatalog,
    project: str,
    domain: str,
    title: str,
    threshold: float = 0.5,
    max_recommendations: int = 15,
    sections_to_exclude: list[str] | None = None,
    language_code: str | None = None,
    revision: int | None = None,
) -> LinkRecommendationResponse:
    """GET: recommendations for a page of the latest materialized dump (also the CLI's path)."""
    sections = list(sections_to_exclude or [])
    _check_parameters(threshold, max_recommendations, sections, language_code, title)
    service = service_for(catalog, project, domain)
    wikitext, page_id, revision_id, page_title = page_from_dump(
        catalog, service.meta["wiki"], title, service.index.language_code
    )
    if revision is not None and revision != revision_id:
        raise NotFoundException(
            detail=f"Revision {revision} of {title} is not in the materialized dump "
            f"(it has {revision_id})"
        )
    return recommendations(
        service,
        wikitext,
        page_title,
        page_id,
        revision_id,
        threshold,
        max_recommendations,
        sections,
        language_code,
    )


def post_recommendations(
    catalog: DatasetCatalog,
    project: str,
    domain: str,
    title: str,
    body: bytes,
    threshold: float = 0.5,
    max_recommendations: int = 15,
    sections_to_exclude: list[str] | None = None,
    language_code: str | None = None,
) -> LinkRecommendationResponse:
    """POST: recommendations for the wikitext in the body."""
    try:
        request = _DECODER.decode(body)
    except msgspec.DecodeError as exc:
        raise HTTPException(status_code=422, detail=f"malformed body: {exc}") from exc
    limit = max_wikitext_chars()
    if len(request.wikitext) > limit:
        raise HTTPException(
            status_code=413,
            detail=f"wikitext longer than {limit} characters",
            extra={"limit_chars": limit, "got_chars": len(request.wikitext)},
        )
    sections = list(sections_to_exclude or []) + list(request.sections_to_exclude)
    _check_parameters(threshold, max_recommendations, sections, language_code, title)
    service = service_for(catalog, project, domain)
    if language_code:
        page_title = service.index.normalize_in(title, language_code) or title
    else:
        page_title = service.index.normalize(title) or title
    return recommendations(
        service,
        request.wikitext,
        page_title,
        request.pageid,
        request.revid,
        threshold,
        max_recommendations,
        sections,
        language_code,
    )


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
        state: State,
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
        return get_recommendations(
            state.catalog,
            project,
            domain,
            title.lstrip("/"),
            threshold,
            max_recommendations,
            sections_to_exclude,
            language_code,
            revision,
        )

    @post(
        "/{project:str}/{domain:str}/{title:path}",
        operation_id="postLinkRecommendations",
        summary="Link recommendations for the posted wikitext",
        sync_to_thread=True,
        status_code=200,
    )
    def post_page(
        self,
        state: State,
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
        return post_recommendations(
            state.catalog,
            project,
            domain,
            title.lstrip("/"),
            body,
            threshold,
            max_recommendations,
            sections_to_exclude,
            language_code,
        )
