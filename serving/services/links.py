"""Link recommendations: the published datasets of a wiki, its pages, and the recommender.

The HTTP controller (GET and POST /v1/linkrecommendations/...) and `wikiforge query` both call
``LinkRecommendations``; its answers and errors are those of Wikimedia's service (400 unknown
wiki with the valid pairs, 404 unknown page, 413 oversized wikitext, 422 malformed body).
Datasets come from the published `link_datasets` version through the catalog, so a newly
published model is served without a restart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import msgspec

from serving.datasets import DatasetCatalog, Loaded
from serving.schemas.links import (
    DatasetChecksums,
    LinkRecommendation,
    LinkRecommendationMeta,
    LinkRecommendationRequest,
    LinkRecommendationResponse,
)
from serving.services.errors import InvalidParameter, NotFound, TooLarge, Unprocessable
from serving.version import APPLICATION_VERSION
from wikiforge.links.index import LinkIndex
from wikiforge.links.model import LinkModel
from wikiforge.links.recommend import recommend
from wikiforge.links.stored import load_bundle
from wikiforge.storage import StoredAsset
from wikiforge.wikitext.titles import normalize_title

ASSET = "link_datasets"
PROJECTS = {"wikipedia": "wiki"}
MAX_SECTIONS_TO_EXCLUDE = 25
MAX_SECTION_CHARS = 255
MAX_TITLE_CHARS = 512
MAX_RECOMMENDATIONS = 500
MAX_REDIRECT_HOPS = 10
_DOMAIN = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_LANGUAGE = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{0,30}$")
_DECODER = msgspec.json.Decoder(LinkRecommendationRequest)


@dataclass(frozen=True)
class LinkService:
    """One published version of a wiki's datasets, loaded."""

    index: LinkIndex
    model: LinkModel
    meta: dict[str, Any]


def load_link_service(stored: StoredAsset) -> LinkService:
    """Catalog loader: the serving bundle and model of a `link_datasets` version."""
    index, meta = load_bundle(stored.dir / "bundle")
    model = LinkModel.load(stored.path(meta["model"]))
    return LinkService(index, model, {**meta, "version": stored.version})


@dataclass(frozen=True)
class Page:
    """A page of the latest materialized dump, redirects followed."""

    wikitext: str
    page_id: int
    revision_id: int
    title: str


@dataclass(frozen=True)
class RecommendationParameters:
    """What a caller may tune, checked against the reference service's limits."""

    threshold: float = 0.5
    max_recommendations: int = 15
    sections_to_exclude: tuple[str, ...] = ()
    language_code: str | None = None

    def check(self, title: str) -> None:
        """400 (``InvalidParameter``) naming the first parameter out of range."""
        if not 0.0 <= self.threshold <= 1.0:
            raise InvalidParameter("threshold must be between 0 and 1")
        if not 1 <= self.max_recommendations <= MAX_RECOMMENDATIONS:
            raise InvalidParameter(
                f"max_recommendations must be between 1 and {MAX_RECOMMENDATIONS}"
            )
        sections = self.sections_to_exclude
        if len(sections) > MAX_SECTIONS_TO_EXCLUDE or any(
            len(s) > MAX_SECTION_CHARS for s in sections
        ):
            raise InvalidParameter(
                f"at most {MAX_SECTIONS_TO_EXCLUDE} sections_to_exclude of at most "
                f"{MAX_SECTION_CHARS} characters"
            )
        if self.language_code is not None and not _LANGUAGE.match(self.language_code):
            raise InvalidParameter("language_code is not a language code")
        if not title or len(title) > MAX_TITLE_CHARS:
            raise InvalidParameter("page title is empty or too long")


#: What the warm-up runs the recommender on: a section, a sentence, a link (no wiki's words).
WARM_UP_WIKITEXT = "Warm-up text.\n\n== Section ==\nA sentence with a [[link]] in it.\n"
WARM_UP_PARAMETERS = RecommendationParameters(threshold=0.0)


def wiki_id(project: str, domain: str) -> str | None:
    """`wikipedia`, `ha` -> `hawiki` (None for an unknown project or malformed domain)."""
    suffix = PROJECTS.get(project)
    if suffix is None or not _DOMAIN.match(domain):
        return None
    return domain.replace("-", "_") + suffix


class LinkRecommendations:
    """Link recommendations for pages of the materialized dumps or for posted wikitext."""

    def __init__(self, catalog: DatasetCatalog, max_wikitext_chars: int) -> None:
        self.catalog = catalog
        self.max_wikitext_chars = max_wikitext_chars

    def valid_pairs(self) -> list[list[str]]:
        """`[project, domain]` pairs with a published model."""
        pairs = []
        for wiki in self.catalog.partitions(ASSET):
            for project, suffix in PROJECTS.items():
                if wiki.endswith(suffix):
                    pairs.append([project, wiki[: -len(suffix)].replace("_", "-")])
        return sorted(pairs)

    def loaded(self, wiki: str) -> Loaded[LinkService] | None:
        """The wiki's published datasets, loaded (cached by the catalog); None if there are none
        or they fail to load (the catalog logs why).
        """
        return self.catalog.get(ASSET, wiki, load_link_service)

    def warm(self, wiki: str) -> Loaded[LinkService] | None:
        """What the first request for a wiki would do once, done ahead (the server's warm-up):
        load its datasets, import the page lookup's DuckDB and run the recommender on a short
        text. None when the wiki's datasets are not published or fail to load.
        """
        loaded = self.loaded(wiki)
        if loaded is None:
            return None
        import duckdb  # noqa: F401 - imported by the first page lookup otherwise

        self._recommend(loaded.value, WARM_UP_WIKITEXT, "Warm-up", None, None, WARM_UP_PARAMETERS)
        return loaded

    def service_for(self, project: str, domain: str) -> LinkService:
        """The loaded datasets of a wiki, or a 400 listing the valid project/domain pairs."""
        wiki = wiki_id(project, domain)
        loaded = self.loaded(wiki) if wiki else None
        if loaded is None:
            raise InvalidParameter(
                f"Unknown project/domain: {project}/{domain}",
                extra={"valid_project_domain_pairs": self.valid_pairs()},
            )
        return loaded.value

    def page(self, wiki: str, title: str, language_code: str) -> Page:
        """A page of the latest materialized dump, following redirects; 404 if there is none."""
        import duckdb

        stored = self.catalog.current("pages", wiki)
        wanted = normalize_title(title, language_code)
        if stored is None or wanted is None:
            raise NotFound(f"Page not found: {title}")
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
                    return Page(text, page_id, revision_id, wanted)
                wanted = normalize_title(redirect, language_code)
                if wanted is None:
                    break
        raise NotFound(f"Page not found: {title}")

    def for_page(
        self,
        project: str,
        domain: str,
        title: str,
        parameters: RecommendationParameters,
        revision: int | None = None,
    ) -> LinkRecommendationResponse:
        """Recommendations for a page of the latest materialized dump (GET, `wikiforge query`)."""
        parameters.check(title)
        service = self.service_for(project, domain)
        page = self.page(service.meta["wiki"], title, service.index.language_code)
        if revision is not None and revision != page.revision_id:
            raise NotFound(
                f"Revision {revision} of {title} is not in the materialized dump "
                f"(it has {page.revision_id})"
            )
        return self._recommend(
            service, page.wikitext, page.title, page.page_id, page.revision_id, parameters
        )

    def for_wikitext(
        self,
        project: str,
        domain: str,
        title: str,
        body: bytes,
        parameters: RecommendationParameters,
    ) -> LinkRecommendationResponse:
        """Recommendations for the JSON body `{wikitext, revid, pageid, sections_to_exclude?}`
        (POST); the body's sections add to the parameters'.
        """
        try:
            request = _DECODER.decode(body)
        except msgspec.DecodeError as exc:
            raise Unprocessable(f"malformed body: {exc}") from exc
        limit = self.max_wikitext_chars
        if len(request.wikitext) > limit:
            raise TooLarge(
                f"wikitext longer than {limit} characters",
                extra={"limit_chars": limit, "got_chars": len(request.wikitext)},
            )
        sections = (*parameters.sections_to_exclude, *request.sections_to_exclude)
        parameters = RecommendationParameters(
            parameters.threshold, parameters.max_recommendations, sections, parameters.language_code
        )
        parameters.check(title)
        service = self.service_for(project, domain)
        if parameters.language_code:
            page_title = service.index.normalize_in(title, parameters.language_code) or title
        else:
            page_title = service.index.normalize(title) or title
        return self._recommend(
            service, request.wikitext, page_title, request.pageid, request.revid, parameters
        )

    @staticmethod
    def _recommend(
        service: LinkService,
        wikitext: str,
        page_title: str,
        pageid: int | None,
        revid: int | None,
        parameters: RecommendationParameters,
    ) -> LinkRecommendationResponse:
        """Run the recommender and shape the reference's response."""
        try:
            found = recommend(
                service.index,
                service.model,
                wikitext,
                page_title,
                parameters.threshold,
                parameters.max_recommendations,
                list(parameters.sections_to_exclude),
                parameters.language_code,
            )
        except RecursionError as exc:  # pathological nesting: a client error, not a server one
            raise Unprocessable("wikitext nested too deeply") from exc
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
