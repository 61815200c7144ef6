"""The Litestar app factory: every endpoint, reading the materialized assets under a data root."""

from __future__ import annotations

import logging
import os
from http import HTTPStatus
from pathlib import Path

from litestar import Litestar, Request, Response, get
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from serving.controllers import CONTROLLERS
from serving.datasets import DatasetCatalog
from serving.schemas.common import ErrorBody
from serving.version import APPLICATION_VERSION

log = logging.getLogger("wikiforge.serving")

#: Largest request body accepted (413 above): the longest Wikipedia articles are ~1 MB of wikitext.
MAX_BODY_BYTES = 4 << 20


def _error(status: int, name: str, description: str, extra: dict | None = None) -> Response:
    return Response(
        ErrorBody(code=status, name=name, description=description, extra=extra),
        status_code=status,
    )


def _http_error(_: Request, exc: HTTPException) -> Response:
    extra = exc.extra if isinstance(exc.extra, dict) else ({"errors": exc.extra} if exc.extra else None)
    return _error(exc.status_code, HTTPStatus(exc.status_code).phrase, str(exc.detail), extra)


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


def create_app(data_root: str | Path | None = None, *, recheck_s: float = 1.0) -> Litestar:
    """Build the app serving the assets under ``data_root`` (default ``$WIKIFORGE_DATA``/./data)."""
    root = Path(data_root or os.environ.get("WIKIFORGE_DATA", "data")).resolve()
    catalog = DatasetCatalog(str(root), recheck_s=recheck_s)
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
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
        request_max_body_size=MAX_BODY_BYTES,
        debug=False,
    )
    app.state.catalog = catalog
    return app
