"""Liveness and readiness."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.openapi import ResponseSpec

from serving.schemas.common import Health
from serving.warmup import WarmUp


class HealthController(Controller):
    """Whether the server runs, and whether its datasets are loaded (no paths or other
    deployment details are exposed).
    """

    tags = ["system"]

    @get("/healthz", operation_id="healthz", summary="Liveness check", sync_to_thread=False)
    def healthz(self, warmup: WarmUp) -> Health:
        """Answers 200 while the server runs, with the application's version and readiness:
        ``ready`` once every dataset published at startup was loaded or failed to load, and
        each one's state (pending, loading, ready, failed).
        """
        return warmup.health()

    @get(
        "/readyz",
        operation_id="readyz",
        summary="Readiness check",
        sync_to_thread=False,
        responses={503: ResponseSpec(Health, description="Datasets are still loading")},
    )
    def readyz(self, warmup: WarmUp) -> Response[Health]:
        """200 once every dataset published at startup was loaded or failed to load (at once
        when warm-up is off), 503 before; the body is ``/healthz``'s. A dataset that failed is
        listed as failed and answers its requests as it would without warm-up.
        """
        health = warmup.health()
        return Response(health, status_code=200 if health.ready else 503)
