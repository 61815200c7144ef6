"""The Litestar app factory: every endpoint, reading the materialized assets under a data root."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import replace
from http import HTTPStatus
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.handlers import HTTPRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.response import Redirect
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE, HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ASGIApp, Receive, Scope, Send

from serving.controllers import CONTROLLERS
from serving.datasets import DatasetCatalog
from serving.dependencies import DEPENDENCIES
from serving.schemas.common import ErrorBody
from serving.services.errors import ServiceError
from serving.version import APPLICATION_VERSION
from serving.warmup import WarmUp
from wikiforge.settings import Settings

log = logging.getLogger("wikiforge.serving")

#: Largest request body accepted (413 above): the longest Wikipedia articles are ~1 MB of wikitext.
MAX_BODY_BYTES = 4 << 20
#: Longest query string and path accepted (413 above). Every parameter the API takes is short
#: (titles are at most 255 bytes in MediaWiki, 765 percent-encoded); this bounds the work any
#: request line can cause before a handler checks its own limits.
MAX_QUERY_BYTES = 8 << 10
MAX_PATH_BYTES = 4 << 10
#: Error statuses any operation can answer, each with the one error body the app renders.
DOCUMENTED_ERRORS = {
    400: "Bad request: a parameter is malformed or out of range",
    404: "Not found: no such dataset, partition, page or entity",
    413: "Too large: the body, path or query string is over its limit",
    422: "Unprocessable: the body or a parameter is well-formed but unusable",
    500: "Internal error (logged; the body never carries details)",
}


class RequestLineLimit(ASGIMiddleware):
    """Answers 413 to a query string or path longer than the limits, before any parsing."""

    scopes = (ScopeType.HTTP,)

    def __init__(
        self, max_query_bytes: int = MAX_QUERY_BYTES, max_path_bytes: int = MAX_PATH_BYTES
    ) -> None:
        self.max_query_bytes = max_query_bytes
        self.max_path_bytes = max_path_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Answer 413 to an over-long path or query string; pass anything else on."""
        query = scope.get("query_string", b"")
        path = scope.get("raw_path") or scope.get("path", "").encode()
        if len(query) > self.max_query_bytes:
            raise HTTPException(
                status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                detail=f"query string longer than {self.max_query_bytes} bytes",
                extra={"limit_bytes": self.max_query_bytes, "got_bytes": len(query)},
            )
        if len(path) > self.max_path_bytes:
            raise HTTPException(
                status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                detail=f"path longer than {self.max_path_bytes} bytes",
                extra={"limit_bytes": self.max_path_bytes, "got_bytes": len(path)},
            )
        await next_app(scope, receive, send)


#: Routes whose handlers compute for a while (the link recommender, task search): they are
#: admitted a few at a time so that the threads running them cannot starve the cheap lookups
#: (qrank, downloads, PageRank) of the interpreter lock; waiting costs nothing (async).
CPU_HEAVY_PREFIXES = ("/v1/linkrecommendations/", "/v1/tasks/search")


def default_heavy_concurrency(settings: Settings) -> int:
    """The configured limit (``WIKIFORGE_HEAVY_CONCURRENCY``), else one per core; 0 = no limit."""
    if settings.heavy_concurrency is not None:
        return settings.heavy_concurrency
    return max(1, os.cpu_count() or 1)


class HeavyRouteAdmission(ASGIMiddleware):
    """At most ``limit`` requests to a CPU-heavy route run at once; the rest wait their turn."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, limit: int, prefixes: tuple[str, ...] = CPU_HEAVY_PREFIXES) -> None:
        self.limit = limit
        self.prefixes = prefixes
        # One semaphore per event loop (test clients each run their own loop).
        self._semaphores: dict[int, asyncio.Semaphore] = {}

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Run a CPU-heavy request once a slot is free; pass other requests straight on."""
        if self.limit <= 0 or not scope.get("path", "").startswith(self.prefixes):
            await next_app(scope, receive, send)
            return
        loop = id(asyncio.get_running_loop())
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            semaphore = self._semaphores.setdefault(loop, asyncio.Semaphore(self.limit))
        async with semaphore:
            await next_app(scope, receive, send)


def _error(status: int, name: str, description: str, extra: dict | None = None) -> Response:
    return Response(
        ErrorBody(code=status, name=name, description=description, extra=extra),
        status_code=status,
    )


def _http_error(_: Request, exc: HTTPException) -> Response:
    extra: dict[str, Any] | None
    if isinstance(exc.extra, dict):
        extra = exc.extra
    else:
        extra = {"errors": exc.extra} if exc.extra else None
    return _error(exc.status_code, HTTPStatus(exc.status_code).phrase, str(exc.detail), extra)


def _service_error(_: Request, exc: ServiceError) -> Response:
    return _error(exc.status_code, HTTPStatus(exc.status_code).phrase, exc.detail, exc.extra)


def _internal_error(request: Request, exc: Exception) -> Response:
    # Logged with the trace for operators; the client gets no internals.
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error(HTTP_500_INTERNAL_SERVER_ERROR, "Internal Server Error", "internal error")


@get("/", include_in_schema=False, sync_to_thread=False)
def root_redirect() -> Redirect:
    """The reference service sends / to its API docs; so do we."""
    return Redirect(path="/apidocs")


@get(["/apidocs", "/apidocs/"], include_in_schema=False, sync_to_thread=False)
def apidocs_redirect() -> Redirect:
    """Swagger UI where the reference service has it."""
    return Redirect(path="/docs/swagger")


def create_app(
    data_root: str | Path | None = None,
    *,
    settings: Settings | None = None,
    recheck_s: float = 1.0,
    heavy_concurrency: int | None = None,
    warmup: bool = False,
) -> Litestar:
    """Build the app serving the assets under the data root.

    ``settings`` default to the environment's (``Settings.from_env()``, read once here);
    ``data_root`` and ``heavy_concurrency`` (CPU-heavy requests run at once, 0 = no limit)
    override them. ``warmup`` loads every published dataset in the background when the app
    starts (``serving.warmup``); off here, so in-process apps (tests, scripts) load lazily, as
    they ask; ``server_app`` (what `wikiforge serve` runs) turns it on.
    """
    settings = (settings or Settings.from_env()).with_(
        data=None if data_root is None else str(data_root)
    )
    if heavy_concurrency is not None:
        settings = replace(settings, heavy_concurrency=heavy_concurrency)
    catalog = DatasetCatalog(settings.data_root, recheck_s=recheck_s, cache_dir=settings.cache)
    warm_up = WarmUp(catalog, settings, enabled=warmup)
    app = Litestar(
        route_handlers=[root_redirect, apidocs_redirect, *CONTROLLERS],
        openapi_config=OpenAPIConfig(
            title="wikiforge",
            version=APPLICATION_VERSION,
            description="Link recommendations, QRank, page scores, task search and image "
            "suggestions over materialized Wikimedia datasets.",
            path="/docs",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        dependencies=DEPENDENCIES,
        exception_handlers={
            HTTPException: _http_error,
            ServiceError: _service_error,
            Exception: _internal_error,
        },
        middleware=[
            RequestLineLimit(),
            HeavyRouteAdmission(default_heavy_concurrency(settings)),
        ],
        request_max_body_size=MAX_BODY_BYTES,
        on_startup=[warm_up.start],
        on_shutdown=[warm_up.stop],
        debug=False,
    )
    app.state.catalog = catalog
    app.state.settings = settings
    app.state.warmup = warm_up
    _document_error_bodies(app)
    return app


def server_app() -> Litestar:
    """The app `wikiforge serve` runs (uvicorn's factory, once per worker process): settings
    from the environment, warm-up as ``WIKIFORGE_WARMUP`` says (on unless turned off).
    """
    settings = Settings.from_env()
    return create_app(settings=settings, warmup=settings.warmup)


def _document_error_bodies(app: Litestar) -> None:
    """Make the OpenAPI schema describe the error bodies the app really sends.

    Litestar documents a 400 with its own default body (``status_code``, ``detail``), but the
    exception handlers above render ``ErrorBody``: declare that for every error status of every
    operation, so clients (and schema-driven tests) can rely on the schema for errors too.
    """
    errors = {
        code: ResponseSpec(ErrorBody, description=text, generate_examples=False)
        for code, text in DOCUMENTED_ERRORS.items()
    }
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if isinstance(handler, HTTPRouteHandler) and handler.include_in_schema:
                handler.responses = {**errors, **(handler.responses or {})}
