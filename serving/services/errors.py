"""Errors a service raises: each carries the HTTP status and the details the client sees."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A request the service cannot answer; ``status_code`` is the HTTP status it maps to."""

    status_code = 500

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidParameter(ServiceError):
    """A parameter is malformed or out of range (400)."""

    status_code = 400


class NotFound(ServiceError):
    """No such dataset, partition, page or entity (404)."""

    status_code = 404


class TooLarge(ServiceError):
    """A body or parameter is over its size limit (413)."""

    status_code = 413


class Unprocessable(ServiceError):
    """Well-formed but unusable input (422)."""

    status_code = 422


class Unavailable(ServiceError):
    """A dataset the answer needs is not published, or not usable, yet (503)."""

    status_code = 503
