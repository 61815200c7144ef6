"""The dataset catalog: how every endpoint finds, loads and hot-reloads materialized assets.

An endpoint asks for ``catalog.get(asset, partition, loader)``; the catalog resolves the
partition's ``CURRENT.json`` pointer (a stat per call, at most every ``recheck_s``), and calls
``loader(stored)`` once per published version, caching the result. When a newer version is
published, the next request loads it while other requests keep using the previous one; if the
new version fails to load, the last good one keeps being served and the error is logged.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from wikiforge.storage import DataRoot, StoredAsset, open_data_root

T = TypeVar("T")
log = logging.getLogger("wikiforge.serving")


@dataclass(frozen=True)
class Loaded(Generic[T]):
    """A loaded dataset and the version it came from."""

    value: T
    stored: StoredAsset

    @property
    def checksum(self) -> str:
        """The loaded version's checksum (the ETag of what is served)."""
        return self.stored.checksum

    @property
    def version(self) -> str:
        """The loaded version's name."""
        return self.stored.version


@dataclass
class _Entry:
    stamp: int | None
    checked: float
    loaded: Loaded[Any] | None


class DatasetCatalog:
    """Finds and caches the newest published version of asset partitions for the server."""

    def __init__(
        self,
        data_root: str | DataRoot,
        *,
        recheck_s: float = 1.0,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.root = (
            data_root if isinstance(data_root, DataRoot) else open_data_root(data_root, cache_dir)
        )
        self.recheck_s = recheck_s
        self._entries: dict[tuple[str, str | None, Callable], _Entry] = {}
        self._locks: dict[tuple[str, str | None, Callable], threading.Lock] = {}
        self._guard = threading.Lock()

    def current(self, asset: str, partition: str | None = None) -> StoredAsset | None:
        """The published version's handle (no loading, no caching)."""
        return self.root.current(asset, partition)

    def partitions(self, asset: str) -> list[str]:
        """Partition keys of an asset that have a published version."""
        return self.root.partitions(asset)

    def newest(self, asset: str) -> tuple[str, StoredAsset] | None:
        """The newest published partition of a date-keyed asset and its version's handle."""
        return self.root.newest(asset)

    def get(
        self, asset: str, partition: str | None, loader: Callable[[StoredAsset], T]
    ) -> Loaded[T] | None:
        """The loaded newest version, or None when the partition was never published."""
        key = (asset, partition, loader)
        entry = self._entries.get(key)
        now = time.monotonic()
        if entry is not None and now - entry.checked < self.recheck_s:
            return entry.loaded
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            entry = self._entries.get(key)
            if entry is not None and now - entry.checked < self.recheck_s:
                return entry.loaded
            stamp = self.root.pointer_stamp(asset, partition)
            if entry is not None and stamp == entry.stamp:
                entry.checked = now
                return entry.loaded
            loaded = entry.loaded if entry else None
            # Two publishes in quick succession (concurrent runs) may remove the version the
            # pointer named a moment ago: then the pointer has moved, and the newer one loads.
            for attempt in range(2):
                stored = self.root.current(asset, partition) if stamp is not None else None
                if stored is None or (loaded is not None and loaded.version == stored.version):
                    break
                try:
                    loaded = Loaded(value=loader(stored), stored=stored)
                    log.info("loaded %s[%s] version %s", asset, partition, stored.version)
                    break
                except FileNotFoundError:
                    moved = self.root.pointer_stamp(asset, partition)
                    if attempt == 0 and moved != stamp:
                        stamp = moved
                        continue
                    log.exception("failed to load %s[%s] %s", asset, partition, stored.version)
                    break
                except Exception:  # keep serving the last good version
                    log.exception("failed to load %s[%s] %s", asset, partition, stored.version)
                    break
            self._entries[key] = _Entry(stamp=stamp, checked=now, loaded=loaded)
            return loaded
