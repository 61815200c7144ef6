"""Liveness."""

from __future__ import annotations

from litestar import Controller, get
from litestar.datastructures import State

from serving.schemas.common import Health
from serving.version import APPLICATION_VERSION


class HealthController(Controller):
    path = "/healthz"
    tags = ["system"]

    @get("/", operation_id="healthz", summary="Liveness check", sync_to_thread=False)
    def healthz(self, state: State) -> Health:
        """Answers 200 while the server runs; names the data root it serves from."""
        return Health(
            status="ok",
            data_root=str(state.catalog.root.root),
            application_version=APPLICATION_VERSION,
        )
