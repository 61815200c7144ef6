"""Response structs shared by every line."""

from __future__ import annotations

import msgspec


class Health(msgspec.Struct):
    """Liveness and the application's version."""

    status: str
    application_version: str


class ErrorBody(msgspec.Struct, omit_defaults=True):
    """Every error response: a status code, a short name and a description (never a trace)."""

    code: int
    name: str
    description: str
    extra: dict[str, object] | None = None
