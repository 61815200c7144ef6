"""What controllers receive by name: the dataset catalog, the settings, the warm-up and per-line
services.

Registered on the app (``create_app``); a handler asks for one by naming a parameter after its
key, e.g. ``def top(self, pagerank: PageRankService, ...)``. Services are cheap views of the
one catalog the app holds, made per request.
"""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import Provide

from serving.datasets import DatasetCatalog
from serving.services.graph import PageRankService
from serving.services.links import LinkRecommendations
from serving.services.qrank import QRankService
from serving.services.tasks import TaskSearch
from serving.warmup import WarmUp
from wikiforge.settings import Settings


def provide_catalog(state: State) -> DatasetCatalog:
    """The app's dataset catalog (one per app: it caches the loaded versions)."""
    catalog: DatasetCatalog = state.catalog
    return catalog


def provide_settings(state: State) -> Settings:
    """The settings the app was built with."""
    settings: Settings = state.settings
    return settings


def provide_warmup(state: State) -> WarmUp:
    """The app's warm-up (what ``/healthz`` and ``/readyz`` report)."""
    warmup: WarmUp = state.warmup
    return warmup


def provide_link_recommendations(
    catalog: DatasetCatalog, settings: Settings
) -> LinkRecommendations:
    """Link recommendations over the catalog, with the configured wikitext limit."""
    return LinkRecommendations(catalog, settings.links_max_wikitext_chars)


def provide_qrank(catalog: DatasetCatalog) -> QRankService:
    """QRank rankings over the catalog."""
    return QRankService(catalog)


def provide_pagerank(catalog: DatasetCatalog) -> PageRankService:
    """PageRank indices over the catalog."""
    return PageRankService(catalog)


def provide_task_search(catalog: DatasetCatalog) -> TaskSearch:
    """Task search over the catalog."""
    return TaskSearch(catalog)


DEPENDENCIES = {
    "catalog": Provide(provide_catalog, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "warmup": Provide(provide_warmup, sync_to_thread=False),
    "links": Provide(provide_link_recommendations, sync_to_thread=False),
    "qrank": Provide(provide_qrank, sync_to_thread=False),
    "pagerank": Provide(provide_pagerank, sync_to_thread=False),
    "tasks": Provide(provide_task_search, sync_to_thread=False),
}
