"""Warm-up: load every dataset published at startup in the background, and say when it is done.

Without it, the first request for a wiki (or a ranking, a crawl's task index...) pays for
loading its datasets and for the imports they need: ~3 s for a wiki's link recommender. When
the server starts, ``WarmUp`` runs, in one background thread, what those first requests would
run, through the same service methods and catalog loaders, so the catalog already holds the
loaded versions when they come. A dataset that fails to load is logged (by the catalog) and
reported as failed; the others still load, and its requests answer what they answer without
warm-up. ``/healthz`` (liveness, always 200) and ``/readyz`` (200 once every dataset was
loaded or failed, 503 before) report each dataset's state; no path is exposed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from serving.controllers.images import ASSET as IMAGES_ASSET
from serving.controllers.images import load_suggestions
from serving.datasets import DatasetCatalog, Loaded
from serving.schemas.common import DatasetReadiness, DatasetState, Health, Readiness, WarmUpState
from serving.services.errors import ServiceError
from serving.services.graph import ASSET as PAGERANK_ASSET
from serving.services.graph import PageRankService
from serving.services.links import ASSET as LINKS_ASSET
from serving.services.links import LinkRecommendations
from serving.services.qrank import QRankService
from serving.services.tasks import ASSET as TASKS_ASSET
from serving.services.tasks import ENCODER_ASSET, TaskSearch
from serving.version import APPLICATION_VERSION
from wikiforge.settings import Settings
from wikiforge.tasks.encoder import DEFAULT_ENCODER_KEY

log = logging.getLogger("wikiforge.serving")
STATES: tuple[DatasetState, ...] = ("pending", "loading", "ready", "failed")


@dataclass(frozen=True)
class Step:
    """One dataset to load: ``load`` is the request path's own call; it returns the loaded
    version, None (or raises a ``ServiceError``) when the dataset could not be loaded.
    """

    line: str
    asset: str
    partition: str | None
    load: Callable[[], Loaded[Any] | None]


def plan(catalog: DatasetCatalog, settings: Settings) -> Iterator[Step]:
    """What the first requests of every line would load, in the order the warm-up loads it:
    each wiki's link recommender first (the slowest first request), then the rest.
    """
    links = LinkRecommendations(catalog, settings.links_max_wikitext_chars)
    for wiki in catalog.partitions(LINKS_ASSET):
        yield Step("links", LINKS_ASSET, wiki, partial(links.warm, wiki))
    qrank = QRankService(catalog)
    newest = qrank.newest("qrank")
    if newest is not None:
        yield Step("qrank", "qrank", newest[0], partial(_ranking, qrank))
    pagerank = PageRankService(catalog)
    for wiki in catalog.partitions(PAGERANK_ASSET):
        yield Step("graph", PAGERANK_ASSET, wiki, partial(pagerank.index, wiki))
    if catalog.current(IMAGES_ASSET) is not None:
        images = partial(catalog.get, IMAGES_ASSET, None, load_suggestions)
        yield Step("images", IMAGES_ASSET, None, images)
    tasks = TaskSearch(catalog)
    for crawl in catalog.partitions(TASKS_ASSET):
        yield Step("tasks", TASKS_ASSET, crawl, partial(_task_index, tasks, crawl))
    if catalog.current(ENCODER_ASSET, DEFAULT_ENCODER_KEY) is not None:
        yield Step("tasks", ENCODER_ASSET, DEFAULT_ENCODER_KEY, tasks.published_encoder)


def _ranking(qrank: QRankService) -> Loaded[Any]:
    return qrank.ranking()[1]


def _task_index(tasks: TaskSearch, crawl: str) -> Loaded[Any] | None:
    indexes = tasks.indexes(crawl)
    return indexes[0][1] if indexes else None


class WarmUp:
    """The server's warm-up: started with the app, read by ``/healthz`` and ``/readyz``."""

    def __init__(self, catalog: DatasetCatalog, settings: Settings, *, enabled: bool) -> None:
        self.catalog = catalog
        self.settings = settings
        self.enabled = enabled
        self._state: WarmUpState = "loading" if enabled else "off"
        self._datasets: list[DatasetReadiness] = []
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if not enabled:
            self._done.set()

    def start(self) -> None:
        """Start loading in a background thread (the app's startup hook; returns at once)."""
        if self.enabled and self._thread is None:
            self._thread = threading.Thread(target=self.run, name="wikiforge-warm-up", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Load nothing more (the app's shutdown hook; a load under way finishes)."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the warm-up is done (or off), waiting at most ``timeout`` seconds."""
        return self._done.wait(timeout)

    @property
    def ready(self) -> bool:
        """Every dataset published at startup was loaded or failed to (or warm-up is off)."""
        return self._done.is_set()

    def run(self) -> None:
        """Load every planned dataset, one after the other; never raises."""
        started = time.monotonic()
        try:
            steps = list(plan(self.catalog, self.settings))
            with self._lock:
                self._datasets = [
                    DatasetReadiness(s.line, s.asset, s.partition, "pending") for s in steps
                ]
            for step, entry in zip(steps, self._datasets, strict=True):
                if self._stop.is_set():
                    break
                self._load(step, entry)
        except Exception:  # a data root that cannot be listed: requests will say so
            log.exception("warm-up stopped")
        finally:
            with self._lock:
                self._state = "done"
                counts = self._counts()
            self._done.set()
        log.info("warm-up done in %.1f s: %s", time.monotonic() - started, counts)

    def _load(self, step: Step, entry: DatasetReadiness) -> None:
        with self._lock:
            entry.state = "loading"
        began = time.perf_counter()
        loaded: Loaded[Any] | None = None
        try:
            loaded = step.load()
        except ServiceError as exc:  # what the request would answer: the catalog logged why
            log.warning("warm-up: %s[%s] not loaded: %s", step.asset, step.partition, exc.detail)
        except Exception:
            log.exception("warm-up: %s[%s] failed", step.asset, step.partition)
        with self._lock:
            entry.load_ms = round((time.perf_counter() - began) * 1000, 1)
            if loaded is None:
                entry.state = "failed"
            else:
                entry.state, entry.version = "ready", loaded.version

    def _counts(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(STATES, 0)
        for entry in self._datasets:
            counts[entry.state] += 1
        return counts

    def health(self) -> Health:
        """A snapshot for ``/healthz`` and ``/readyz``."""
        with self._lock:
            readiness = Readiness(
                state=self._state,
                counts=self._counts(),
                datasets=[
                    DatasetReadiness(e.line, e.asset, e.partition, e.state, e.version, e.load_ms)
                    for e in self._datasets
                ],
            )
        return Health(
            status="ok",
            application_version=APPLICATION_VERSION,
            ready=self.ready,
            warmup=readiness,
        )
