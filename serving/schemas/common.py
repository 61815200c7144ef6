"""Response structs shared by every line."""

from __future__ import annotations

from typing import Literal

import msgspec

#: A dataset's warm-up state: waiting its turn, being loaded, loaded, or failed to load.
DatasetState = Literal["pending", "loading", "ready", "failed"]
#: The warm-up's state: turned off, loading the datasets, or done with every one of them.
WarmUpState = Literal["off", "loading", "done"]


class DatasetReadiness(msgspec.Struct):
    """One published dataset the warm-up loads: which line, asset and partition, and how far."""

    line: str
    asset: str
    partition: str | None
    state: DatasetState
    version: str | None = None
    load_ms: float | None = None


class Readiness(msgspec.Struct):
    """The warm-up: its state, how many datasets are in each state, and each dataset's."""

    state: WarmUpState
    counts: dict[str, int]
    datasets: list[DatasetReadiness]


class Health(msgspec.Struct):
    """Liveness, readiness (every dataset published at startup was loaded or failed to load)
    and the application's version.
    """

    status: str
    application_version: str
    ready: bool
    warmup: Readiness


class ErrorBody(msgspec.Struct, omit_defaults=True):
    """Every error response: a status code, a short name and a description (never a trace)."""

    code: int
    name: str
    description: str
    extra: dict[str, object] | None = None
