"""Deployment settings: every ``WIKIFORGE_*`` environment variable, read in one place.

``Settings.from_env()`` reads the environment once; the CLI, the Dagster resources and the
server take their values from the object it returns, and the rest of the library takes them
as parameters. A field such as ``heavy_concurrency`` is set by ``WIKIFORGE_HEAVY_CONCURRENCY``; an empty variable counts as
unset. A value that does not parse raises ``SettingsError`` naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

PREFIX = "WIKIFORGE_"


class SettingsError(ValueError):
    """A ``WIKIFORGE_*`` variable holds a value its setting cannot take."""


def _text(raw: str) -> str:
    return raw.strip()


def _path(raw: str) -> Path:
    return Path(raw.strip()).expanduser()


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return value

    return parse


def _count(raw: str) -> int:
    text = raw.strip()
    if not text.isdecimal():
        raise ValueError("expected a whole number >= 0")
    return int(text)


def _flag(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected 1/0, true/false, yes/no or on/off")


def setting(default: Any, parse: Callable[[str], Any], doc: str, *, shown: str = "") -> Any:
    """A settings field: its default, how its variable's text parses, and what it means.

    ``shown`` is the default as the settings table prints it, when ``repr`` would not say it.
    """
    metadata = {"parse": parse, "doc": doc, "shown": shown}
    if callable(default):
        return field(default_factory=default, metadata=metadata)
    return field(default=default, metadata=metadata)


def _default_cache() -> Path:
    return Path.home() / ".cache" / "wikiforge"


@dataclass(frozen=True)
class Settings:
    """Where data lives and how the platform runs, from ``WIKIFORGE_*`` variables."""

    data: str = setting(
        "data",
        _text,
        "Data root every command, asset and the server read and write: a directory, or a URL "
        "fsspec reaches (s3://, hdfs://, gs://...).",
    )
    dumps: Path = setting(
        Path("dumps"), _path, "Landing zone for dumps (one directory per wiki, per month...)."
    )
    crawls: Path = setting(
        Path("crawls"), _path, "Landing zone for web crawls (one directory per crawl)."
    )
    engine: str = setting(
        "local",
        _choice("local", "spark"),
        "Where heavy steps run: `local` (process pool and DuckDB) or `spark`.",
    )
    spark_master: str = setting(
        "local[2]", _text, "Spark master URL when the engine is spark (spark://host:7077, yarn)."
    )
    sensor_interval_s: int = setting(
        30,
        _count,
        "Seconds between the sensors' checks: the landing sensor's for new dumps and crawls, the"
        " global refresh sensor's for finished partition runs.",
    )
    cache: Path = setting(
        _default_cache,
        _path,
        "Local cache of the versions read from a remote data root.",
        shown="~/.cache/wikiforge",
    )
    task_encoder: str = setting(
        "model2vec",
        _choice("model2vec", "minilm"),
        "Default encoder of task_index runs: the distilled `model2vec` (task_encoder asset) or "
        "the packaged `minilm` transformer (a run's config may choose another).",
    )
    cc_base_url: str = setting(
        "https://data.commoncrawl.org",
        _text,
        "Where the crawl index rows' WARC records are fetched (HTTP Range requests).",
    )
    use_dagster_home: bool = setting(
        False,
        _flag,
        "Record the CLI's runs on a local data root in the $DAGSTER_HOME instance too "
        "(remote data roots always use it; else SQLite under <data>/.dagster).",
    )
    links_max_wikitext_chars: int = setting(
        2048 * 1024,
        _count,
        "Longest wikitext (characters) a link recommendation POST may send (413 above); "
        "MediaWiki's page size limit by default.",
    )
    heavy_concurrency: int | None = setting(
        None,
        _count,
        "CPU-heavy requests (link recommendations, task search) the server runs at once; "
        "0 turns admission control off.",
        shown="one per core",
    )
    warmup: bool = setting(
        True,
        _flag,
        "`wikiforge serve` loads every published dataset in the background when it starts "
        "(/readyz answers 503 until done), so no first request waits for a load; off: each "
        "dataset loads on its first request.",
        shown="on",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings the ``WIKIFORGE_*`` variables of ``environ`` (default: the process's) say."""
        source = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for spec in fields(cls):
            name = env_name(spec.name)
            raw = source.get(name)
            if raw is None or not raw.strip():
                continue
            try:
                values[spec.name] = spec.metadata["parse"](raw)
            except ValueError as exc:
                raise SettingsError(f"{name}={raw!r}: {exc}") from None
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        """A copy with the given fields changed; None leaves a field as it is (CLI options)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def data_is_remote(self) -> bool:
        """Whether the data root is a URL of a remote filesystem (not a local directory)."""
        return "://" in self.data and not self.data.startswith("file://")

    @property
    def data_root(self) -> str:
        """The data root as the storage layer takes it: a URL, or an absolute local path."""
        if self.data_is_remote:
            return self.data.rstrip("/")
        return str(Path(self.data.removeprefix("file://")).expanduser().resolve())


def env_name(field_name: str) -> str:
    """The environment variable of a settings field: ``heavy_concurrency`` ->
    ``WIKIFORGE_HEAVY_CONCURRENCY``.
    """
    return PREFIX + field_name.upper()


def describe() -> list[tuple[str, str, str]]:
    """``(variable, default, meaning)`` of every setting, in declaration order (docs, CLI)."""
    rows = []
    for spec in fields(Settings):
        if spec.metadata["shown"]:
            default = spec.metadata["shown"]
        elif spec.default is not MISSING:
            default = "unset" if spec.default is None else str(spec.default)
        elif spec.default_factory is not MISSING:
            default = str(spec.default_factory())
        else:
            default = "required"
        rows.append((env_name(spec.name), default, spec.metadata["doc"]))
    return rows
