"""The data root: where every materialized asset partition lives, written atomically.

Layout (one directory per asset partition)::

    <root>/<asset path>/<partition or "_">/<version>/<files>
    <root>/<asset path>/<partition or "_">/CURRENT.json

A version is written into a staging directory, renamed into place, and only then published by
atomically replacing ``CURRENT.json`` (write a temporary file, ``os.replace``). Readers resolve
``CURRENT.json`` first, so they never see a half-written version and keep reading the previous one
until the new one is complete. This module is pure (no Dagster, no Litestar): the IO manager and
the server both use it.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

POINTER = "CURRENT.json"
UNPARTITIONED = "_"
PARQUET_FILE = "part-0.parquet"
# Row groups of this many rows keep readers' memory bounded and let them stream.
ROW_GROUP_ROWS = 64_000
# Versions kept per partition: the current one and the one before it (a server may still be
# reading it when the pointer moves).
KEEP_VERSIONS = 2
# Held (flock) while a version is renamed into place and the pointer moves, so garbage
# collection never mistakes another writer's not-yet-published version for a dead one.
PUBLISH_LOCK = ".publish.lock"
# Staging directories whose owner cannot be checked (another host's, or an old layout) are
# removed only after this long.
STAGING_MAX_AGE_S = 24 * 3600


class DiskFullError(OSError):
    """The data root ran out of space (or quota) while a version was written.

    Raised after the write's staging is removed: nothing was published and the previous
    version is still the current one.
    """


_DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


def is_disk_full(exc: BaseException) -> bool:
    """Whether an error is the filesystem running out of space or quota.

    Arrow's writers raise ``OSError`` without an errno, naming it only in the message.
    """
    if not isinstance(exc, OSError):
        return False
    if exc.errno in _DISK_FULL_ERRNOS:
        return True
    text = str(exc)
    return "No space left on device" in text or "Disk quota exceeded" in text


def _size(n: int) -> str:
    if n >= 2**30:
        return f"{n / 2**30:.1f} GiB"
    return f"{n / 2**20:.1f} MiB" if n >= 10 * 2**20 else f"{n / 2**10:.0f} KiB"


def disk_full_error(root: Path, what: str, exc: OSError, current: str | None) -> DiskFullError:
    """The error a person sees: where space ran out, how much is free now, what is kept."""
    try:
        usage = shutil.disk_usage(root)
        space = f"{_size(usage.free)} free of {_size(usage.total)}"
    except OSError:
        space = "free space unknown"
    kept = f"version {current} stays current" if current else "nothing was published before"
    error = DiskFullError(
        errno.ENOSPC,
        f"{what}: no space left on the data root {root} ({space} once this write's staging "
        f"was removed); nothing was published, {kept}. Free space or move the data root, then "
        f"rerun",
    )
    error.__cause__ = exc
    return error


class SchemaMismatch(ValueError):
    """A table does not have the schema its asset declared."""


class InvalidName(ValueError):
    """An asset or partition name that could escape the data root (``..``, ``/``, NUL...)."""


def _host_tag() -> str:
    """This host's name, reduced to characters safe in a directory name."""
    return "".join(c if c.isalnum() else "_" for c in socket.gethostname())[:40] or "host"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


@contextmanager
def _publish_lock(pdir: Path) -> Iterator[None]:
    """Exclusive lock of one partition directory (released by the kernel if the holder dies)."""
    fd = os.open(pdir / PUBLISH_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def check_schema(actual: pa.Schema, declared: pa.Schema, *, what: str) -> None:
    """Raise SchemaMismatch naming the first column whose name or type differs."""
    if actual.names != declared.names:
        raise SchemaMismatch(
            f"{what}: columns {actual.names} do not match the declared {declared.names}"
        )
    for got, want in zip(actual, declared, strict=True):
        if not got.type.equals(want.type):
            raise SchemaMismatch(
                f"{what}: column {got.name!r} has type {got.type}, declared {want.type}"
            )


@dataclass(frozen=True)
class StoredAsset:
    """One published version of an asset partition: a directory of files and its manifest.

    ``dir`` is always a local directory (for a remote data root, a verified local copy of the
    immutable version); ``remote_dir`` is the version's URL on a remote data root, which a
    cluster (Spark) reads directly.
    """

    dir: Path
    manifest: Mapping[str, Any]
    remote_dir: str | None = None

    @property
    def version(self) -> str:
        """The version's name (its directory under the partition)."""
        return str(self.manifest["version"])

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        """Files of the version by relative path, with sha256 and size."""
        return dict(self.manifest.get("files", {}))

    @property
    def rows(self) -> int | None:
        """Rows of a table version (None for artifacts)."""
        return self.manifest.get("rows")

    @property
    def checksum(self) -> str:
        """One sha256 naming this version's content: of the files' own sha256s, in name order."""
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(f"{name}\0{self.files[name]['sha256']}\n".encode())
        return digest.hexdigest()

    def path(self, name: str = PARQUET_FILE) -> Path:
        """Path of one file of this version (no traversal outside the version directory)."""
        if name not in self.files:
            raise FileNotFoundError(f"{self.dir}: no file {name!r} (has {sorted(self.files)})")
        return self.dir / name

    def parquet_paths(self) -> list[Path]:
        """The version's Parquet files, in name order."""
        return [self.dir / name for name in sorted(self.files) if name.endswith(".parquet")]

    def parquet_uris(self) -> list[str]:
        """Where a cluster reads the Parquet files: remote URLs, or local paths."""
        if self.remote_dir is None:
            return [str(p) for p in self.parquet_paths()]
        return [
            f"{self.remote_dir}/{name}" for name in sorted(self.files) if name.endswith(".parquet")
        ]

    def table(self, columns: list[str] | None = None) -> pa.Table:
        """The whole table (for small assets; use scan() or iter_batches() for large ones)."""
        paths = self.parquet_paths()
        if not paths:
            raise FileNotFoundError(f"{self.dir}: no Parquet files")
        return pa.concat_tables(pq.read_table(p, columns=columns) for p in paths)

    def scan(self):  # -> polars.LazyFrame (import kept local: polars is heavy to import)
        """A polars LazyFrame over the Parquet files, for streaming queries."""
        import polars as pl

        return pl.scan_parquet([str(p) for p in self.parquet_paths()])

    def iter_batches(
        self, batch_size: int = ROW_GROUP_ROWS, columns: list[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        """Record batches in file order: bounded memory whatever the table size.

        Without pre-buffering: a pre-buffering reader keeps every column chunk it has read
        until it is closed, so streaming a whole file held the whole file (measured: +140 MiB
        streaming the pages of a 500 MB dump). Same batches either way.
        """
        for path in self.parquet_paths():
            yield from pq.ParquetFile(path, pre_buffer=False).iter_batches(
                batch_size=batch_size, columns=columns
            )


@dataclass
class WriteResult:
    """What writing a version produced: files with sha256 and size, and rows for tables."""

    files: dict[str, dict[str, Any]]
    rows: int | None
    stats: dict[str, Any] = field(default_factory=dict)


def write_parquet(
    directory: Path,
    data: pa.Table | Iterable[pa.RecordBatch | pa.Table],
    schema: pa.Schema,
    *,
    what: str,
    name: str = PARQUET_FILE,
) -> int:
    """Write a table or a stream of batches as one Parquet file, checking the schema.

    Returns the number of rows written. Statistics and dictionary encoding are on; the writer
    adds no timestamps, so the same rows give byte-identical files.
    """
    batches = [data] if isinstance(data, pa.Table) else data
    rows = 0
    with pq.ParquetWriter(directory / name, schema, compression="zstd") as writer:
        for batch in batches:
            check_schema(batch.schema, schema, what=what)
            table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
            writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
            rows += table.num_rows
    return rows


def describe_files(directory: Path) -> dict[str, dict[str, Any]]:
    """sha256 and size of every file under a directory, by relative path."""
    out = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        rel = path.relative_to(directory).as_posix()
        out[rel] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    return out


def open_data_root(
    root: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None
) -> DataRoot:
    """A data root on the local filesystem, or on any filesystem fsspec reaches (``s3://``,
    ``hdfs://``, ``gs://``, ``memory://``...), chosen by the URL's protocol. ``cache_dir``:
    where a remote root's versions are cached (default ``~/.cache/wikiforge``).
    """
    text = os.fspath(root)
    if "://" in text and not text.startswith("file://"):
        return RemoteDataRoot(text, cache_dir=cache_dir)
    return DataRoot(text.removeprefix("file://"))


class DataRoot:
    """Reads and atomically writes asset partitions under one local root directory."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    @property
    def url(self) -> str:
        """Where the root is, as a path or URL."""
        return str(self.root)

    # -- layout ----------------------------------------------------------------------------
    def partition_dir(self, asset: str | Iterable[str], partition: str | None) -> Path:
        """The directory of one partition of an asset (raises ``InvalidName`` on bad names)."""
        parts = asset.split("/") if isinstance(asset, str) else list(asset)
        partition = UNPARTITIONED if partition is None else partition
        for part in [*parts, partition]:
            if not part or part in {".", ".."} or "/" in part or "\\" in part or "\0" in part:
                raise InvalidName(f"invalid asset or partition name component: {part!r}")
        return self.root.joinpath(*parts, partition)

    # -- reading ---------------------------------------------------------------------------
    def current(self, asset: str | Iterable[str], partition: str | None) -> StoredAsset | None:
        """The published version of a partition, or None when none was ever published (a name
        that could not be a partition, such as ``../x`` from a request, was never published).
        """
        try:
            pdir = self.partition_dir(asset, partition)
            manifest = json.loads((pdir / POINTER).read_text())
        except (FileNotFoundError, NotADirectoryError, InvalidName):
            return None
        return StoredAsset(dir=pdir / manifest["version"], manifest=manifest)

    def pointer_stamp(self, asset: str | Iterable[str], partition: str | None) -> int | None:
        """A cheap change marker for the published version (the pointer file's mtime in ns)."""
        try:
            return (self.partition_dir(asset, partition) / POINTER).stat().st_mtime_ns
        except (FileNotFoundError, NotADirectoryError, InvalidName):
            return None

    def assets(self) -> list[str]:
        """Every asset (as "a/b" key paths) with at least one published partition, sorted."""
        if not self.root.is_dir():
            return []
        found = {
            pointer.parent.parent.relative_to(self.root).as_posix()
            for pointer in self.root.rglob(POINTER)
            if not pointer.relative_to(self.root).parts[0].startswith(".")
        }
        return sorted(found)

    def published_files(self) -> dict[tuple[str, str, str], str]:
        """sha256 of every file of every published asset partition, by (asset, partition,
        file name), as the manifests record them: what two builds are compared by.
        """
        out = {}
        for asset in self.assets():
            for partition in self.partitions(asset):
                stored = self.current(asset, partition)
                if stored is not None:
                    for name, info in stored.files.items():
                        out[(asset, partition, name)] = info["sha256"]
        return out

    def partitions(self, asset: str | Iterable[str]) -> list[str]:
        """Partition keys that have a published version, sorted."""
        try:
            adir = self.partition_dir(asset, None).parent
        except InvalidName:
            return []
        if not adir.is_dir():
            return []
        return sorted(p.name for p in adir.iterdir() if (p / POINTER).is_file())

    def newest(self, asset: str | Iterable[str]) -> tuple[str, StoredAsset] | None:
        """The newest published partition of an asset keyed by date (``20190101``,
        ``2019-01-01``: keys that sort in time order): its key and published version, or None
        when no partition of the asset is published.
        """
        for partition in reversed(self.partitions(asset)):
            stored = self.current(asset, partition)
            if stored is not None:  # unpublished since it was listed: take the one before
                return partition, stored
        return None

    # -- writing ---------------------------------------------------------------------------
    def staging(self, prefix: str = "stage") -> Path:
        """A fresh staging directory on the same filesystem as the root (so rename is atomic).

        Its name carries this host and process id, so staging left by a writer that died
        (killed mid-write) is recognised and removed by the next writer on the same host.
        """
        base = self.root / ".staging"
        base.mkdir(parents=True, exist_ok=True)
        self.clean_staging()
        return Path(tempfile.mkdtemp(prefix=f"{prefix}-{_host_tag()}-{os.getpid()}-", dir=base))

    def publish(
        self,
        asset: str | Iterable[str],
        partition: str | None,
        staged: Path,
        manifest: Mapping[str, Any],
    ) -> StoredAsset:
        """Move a complete staging directory into place and point CURRENT.json at it.

        The manifest is written both inside the version directory and as the pointer, so a
        version directory describes itself even after the pointer has moved on.
        """
        pdir = self.partition_dir(asset, partition)
        pdir.mkdir(parents=True, exist_ok=True)
        version = f"v{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"
        full = {**manifest, "version": version}
        body = json.dumps(full, indent=2, sort_keys=True, default=str)
        (staged / "_manifest.json").write_text(body)
        target = pdir / version
        if staged.resolve().parent != (self.root / ".staging").resolve():
            # Staged elsewhere (another filesystem, e.g. a temp dir): copy next to the target
            # first, so the step that makes it visible is still a rename.
            local = self.staging()
            shutil.copytree(staged, local, dirs_exist_ok=True)
            shutil.rmtree(staged, ignore_errors=True)
            staged = local
        with _publish_lock(pdir):
            previous = self._pointer_version(pdir)
            os.replace(staged, target)
            try:
                fd, tmp = tempfile.mkstemp(prefix=".pointer-", dir=pdir)
                with os.fdopen(fd, "w") as handle:
                    handle.write(body)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, pdir / POINTER)
            except BaseException:
                # The pointer did not move (a full disk, most likely): the renamed version is
                # not published, so it goes, with the half-written pointer.
                shutil.rmtree(target, ignore_errors=True)
                for leftover in pdir.glob(".pointer-*"):
                    leftover.unlink(missing_ok=True)
                raise
            self._collect_garbage(pdir, keep={v for v in (version, previous) if v is not None})
        return StoredAsset(dir=target, manifest=full)

    @staticmethod
    def _pointer_version(pdir: Path) -> str | None:
        try:
            return json.loads((pdir / POINTER).read_text())["version"]
        except (FileNotFoundError, ValueError, KeyError):
            return None

    def _collect_garbage(self, pdir: Path, keep: set[str]) -> None:
        """Keep the new version and the one it replaced (a server may still be reading it);
        remove older ones and what interrupted writes left (a version renamed into place but
        never published, a temporary pointer). Runs under the partition's publish lock, so
        nothing it removes can belong to a writer that is still alive.
        """
        versions = sorted(p.name for p in pdir.iterdir() if p.is_dir() and p.name.startswith("v"))
        for name in versions:
            if name not in keep:
                shutil.rmtree(pdir / name, ignore_errors=True)
        for leftover in pdir.glob(".pointer-*"):
            leftover.unlink(missing_ok=True)

    def clean_staging(self, older_than_s: float = STAGING_MAX_AGE_S) -> int:
        """Delete staging directories of writes that died; returns how many.

        A directory made by this host is removed as soon as the process named in it is gone
        (SIGKILL, OOM, power loss); any other one once it is ``older_than_s`` seconds old.
        """
        base = self.root / ".staging"
        if not base.is_dir():
            return 0
        host = _host_tag()
        cutoff = time.time() - older_than_s
        removed = 0
        for stage in base.iterdir():
            parts = stage.name.split("-")
            try:
                if len(parts) >= 4 and parts[1] == host and parts[2].isdigit():
                    dead = not _process_alive(int(parts[2]))
                else:
                    dead = stage.stat().st_mtime < cutoff
            except FileNotFoundError:  # removed meanwhile by another cleaner
                continue
            if dead:
                shutil.rmtree(stage, ignore_errors=True)
                removed += 1
        return removed


class RemoteDataRoot(DataRoot):
    """A data root on a remote filesystem (S3, HDFS, GCS...) through fsspec.

    The same layout and protocol as the local root: a version is uploaded completely before the
    pointer object is replaced (a single-object write, atomic on object stores), so readers never
    see a partial version. Reads go through a local cache of whole versions (``self.root``):
    versions never change once published, so a cached copy is always valid.
    """

    def __init__(self, url: str, cache_dir: str | os.PathLike[str] | None = None) -> None:
        import fsspec

        self.fs, self.base = fsspec.core.url_to_fs(url)
        self._url = url.rstrip("/")
        digest = hashlib.sha256(self._url.encode()).hexdigest()[:12]
        cache = Path(cache_dir) if cache_dir else Path.home() / ".cache" / "wikiforge"
        super().__init__(cache / digest)
        self.root.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        """The remote root's URL."""
        return self._url

    def _remote(self, local: Path) -> str:
        """The remote path matching a path under the local cache."""
        rel = local.relative_to(self.root).as_posix()
        return f"{self.base.rstrip('/')}/{rel}" if rel != "." else self.base

    def _remote_url(self, local: Path) -> str:
        return f"{self._url}/{local.relative_to(self.root).as_posix()}"

    def current(self, asset: str | Iterable[str], partition: str | None) -> StoredAsset | None:
        """The published version, downloaded into the local cache if it is not there yet."""
        try:
            pdir = self.partition_dir(asset, partition)
            manifest = json.loads(self.fs.cat_file(self._remote(pdir / POINTER)))
        except (FileNotFoundError, InvalidName):
            return None
        local = pdir / manifest["version"]
        if not (local / "_manifest.json").is_file():
            self._download(self._remote(local), local)
        return StoredAsset(dir=local, manifest=manifest, remote_dir=self._remote_url(local))

    def _download(self, remote: str, local: Path) -> None:
        """Copy a version into the cache, atomically (a temp dir renamed into place)."""
        temp = Path(
            tempfile.mkdtemp(
                prefix=".download-",
                dir=local.parent if local.parent.exists() else self._mkdir(local.parent),
            )
        )
        try:
            for path in self.fs.find(remote):
                rel = path[len(remote.rstrip("/")) + 1 :]
                target = temp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                self.fs.get_file(path, str(target))
            os.replace(temp, local)
        except OSError:
            shutil.rmtree(temp, ignore_errors=True)
            if not (local / "_manifest.json").is_file():
                raise

    @staticmethod
    def _mkdir(path: Path) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        return path

    def pointer_stamp(self, asset: str | Iterable[str], partition: str | None) -> int | None:
        """A stamp of the pointer's content that changes whenever it moves (None: no pointer)."""
        try:
            body = self.fs.cat_file(self._remote(self.partition_dir(asset, partition) / POINTER))
        except (FileNotFoundError, InvalidName):
            return None
        return int.from_bytes(hashlib.sha256(body).digest()[:8], "big")

    def assets(self) -> list[str]:
        """Assets with at least one published partition on the remote root."""
        base = self.base.rstrip("/")
        found = set()
        for pointer in self.fs.glob(f"{base}/**/{POINTER}"):
            rel = pointer[len(base) + 1 :].split("/")
            if len(rel) >= 3 and not rel[0].startswith("."):
                found.add("/".join(rel[:-2]))
        return sorted(found)

    def partitions(self, asset: str | Iterable[str]) -> list[str]:
        """Partition keys of ``asset`` with a published version, sorted."""
        try:
            adir = self._remote(self.partition_dir(asset, None).parent)
        except InvalidName:
            return []
        return sorted(p.rstrip("/").split("/")[-2] for p in self.fs.glob(f"{adir}/*/{POINTER}"))

    def publish(
        self,
        asset: str | Iterable[str],
        partition: str | None,
        staged: Path,
        manifest: Mapping[str, Any],
    ) -> StoredAsset:
        """Upload a staged version, then move the remote pointer to it."""
        pdir = self.partition_dir(asset, partition)
        version = f"v{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"
        full = {**manifest, "version": version}
        body = json.dumps(full, indent=2, sort_keys=True, default=str)
        (staged / "_manifest.json").write_text(body)
        remote_version = self._remote(pdir / version)
        for path in sorted(p for p in staged.rglob("*") if p.is_file()):
            self.fs.put_file(str(path), f"{remote_version}/{path.relative_to(staged).as_posix()}")
        # Only now does the version become visible.
        self.fs.pipe_file(self._remote(pdir / POINTER), body.encode())
        pdir.mkdir(parents=True, exist_ok=True)
        os.replace(staged, pdir / version)  # the cache already holds it
        self._collect_remote_garbage(pdir, keep=version)
        return StoredAsset(
            dir=pdir / version, manifest=full, remote_dir=self._remote_url(pdir / version)
        )

    def _collect_remote_garbage(self, pdir: Path, keep: str) -> None:
        remote = self._remote(pdir)
        names = sorted(
            p.rstrip("/").split("/")[-1]
            for p in self.fs.ls(remote, detail=False)
            if p.rstrip("/").split("/")[-1].startswith("v")
        )
        old = [v for v in names if v != keep][: max(0, len(names) - KEEP_VERSIONS)]
        for name in old:
            self.fs.rm(f"{remote}/{name}", recursive=True)
            shutil.rmtree(pdir / name, ignore_errors=True)
