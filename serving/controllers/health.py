"""Liveness."""

from __future__ import annotations

from litestar import Controller, get

from serving.schemas.common import Health
from serving.version import APPLICATION_VERSION


class HealthController(Controller):
    """Whether the server runs (no paths or other deployment details are exposed)."""

    path = "/healthz"
    tags = ["system"]

    @get("/", operation_id="healthz", summary="Liveness check", sync_to_thread=False)
    def healthz(self) -> Health:
        """Answers 200 while the server runs, with the application's version."""
        return Health(status="ok", application_version=APPLICATION_VERSION)
