"""Storage: the IO manager that writes every asset partition atomically under the data root.

Assets return one of four things and the IO manager does the rest (schema check, atomic publish,
sha256 of every file, row count, duration, source dumps, lineage of input versions):

- ``pyarrow.Table`` or ``polars.DataFrame``: written as one Parquet file;
- ``TableStream``: record batches written as they are produced (bounded memory);
- ``Artifacts``: a directory of files in their own standard format (model JSON, protobuf
  stream, SQLite, csv.gz), filled by the asset.

Parquet outputs must declare their schema with ``metadata=table_schema(SCHEMA)``. Inputs load as
``StoredAsset`` handles (or ``dict[partition, StoredAsset]`` when an input spans partitions).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow as pa

from wikiforge.storage import (
    PARQUET_FILE,
    DataRoot,
    StoredAsset,
    WriteResult,
    describe_files,
    disk_full_error,
    is_disk_full,
    open_data_root,
    write_parquet,
)

ARROW_SCHEMA_KEY = "wikiforge/arrow_schema"
# Versions each running step loaded, by (run id, step key): written into the manifests of what
# the step produces, so every version names the exact input versions (and source dumps) it
# was computed from.
_LOADED: dict[tuple[str, str], list[StoredAsset]] = {}


def table_schema(schema: pa.Schema, **extra: Any) -> dict[str, Any]:
    """Asset metadata declaring a Parquet output's schema.

    The pyarrow schema is what the IO manager checks on write; the Dagster column schema is what
    the UI shows.
    """
    columns = [
        dg.TableColumn(
            name=f.name,
            type=str(f.type),
            constraints=dg.TableColumnConstraints(nullable=f.nullable),
        )
        for f in schema
    ]
    return {
        ARROW_SCHEMA_KEY: schema,
        "dagster/column_schema": dg.TableSchema(columns=columns),
        **extra,
    }


@dataclass
class TableStream:
    """Record batches an asset produces lazily; ``stats`` is read after the stream is drained.

    The generator behind ``batches`` may fill ``stats`` as it goes (skipped records, a cut at the
    end of a truncated file...); the IO manager adds them to the materialization metadata.
    """

    schema: pa.Schema
    batches: Iterable[pa.RecordBatch | pa.Table]
    stats: dict[str, Any] = field(default_factory=dict)


# The data root of the IO manager running in this process (set for the duration of a run):
# Artifacts made during a run are staged under it, so a killed run's files are swept like any
# dead staging, and publishing them is a rename, not a copy from another filesystem.
_RUN_DATA_ROOT: DataRoot | None = None
# Artifacts directories made during the run; those an asset abandoned (it failed before
# returning them) are removed when the run ends.
_RUN_ARTIFACT_DIRS: set[Path] = set()


def _new_artifacts_dir() -> Path:
    if _RUN_DATA_ROOT is not None:
        try:
            path = _RUN_DATA_ROOT.staging(prefix="art")
        except OSError:  # an unwritable cache of a remote root: fall back to the temp dir
            pass
        else:
            _RUN_ARTIFACT_DIRS.add(path)
            return path
    return Path(tempfile.mkdtemp(prefix="wikiforge-art-"))


@dataclass
class Artifacts:
    """A directory of files an asset wrote in their own format, published as one version."""

    dir: Path = field(default_factory=_new_artifacts_dir)
    rows: int | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    def path(self, name: str) -> Path:
        """Where to write a file of this artifact set (sub-directories are created)."""
        target = self.dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target


def source_metadata(*sources: tuple[Path | str, str | None]) -> dict[str, Any]:
    """Output metadata naming the landing-zone files an asset read, with their dump dates."""
    return {"sources": dg.MetadataValue.json([{"path": str(p), "date": d} for p, d in sources])}


def _metadata_value(value: Any) -> Any:
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return dg.MetadataValue.json(value)


def _step_started_at(context: dg.OutputContext) -> float | None:
    """When the step producing this output started, from the run's event log."""
    try:
        instance = context.step_context.instance
        records = instance.get_records_for_run(
            context.run_id, of_type=dg.DagsterEventType.STEP_START
        ).records
    except Exception:  # noqa: BLE001 - duration is informative; never fail a write for it
        return None
    for record in records:
        if record.event_log_entry.step_key == context.step_key:
            return record.event_log_entry.timestamp
    return None


class DataStore(dg.ConfigurableResource):
    """Read access to the data root for checks and for assets that read across partitions
    (e.g. a wiki's asset reading the newest Wikidata dump's table). Same root as the IO manager.
    """

    data_root: str
    #: Local cache of a remote data root's versions ("": ~/.cache/wikiforge).
    cache_dir: str = ""

    @property
    def root(self) -> DataRoot:
        """The data root (local or remote) this resource names."""
        return open_data_root(self.data_root, self.cache_dir or None)

    def current(self, asset: str, partition: str | None = None) -> StoredAsset | None:
        """The published version of an asset partition, or None."""
        return self.root.current(asset, partition)

    def require(self, asset: str, partition: str | None = None) -> StoredAsset:
        """The published version, or a clear error naming what is missing."""
        stored = self.current(asset, partition)
        if stored is None:
            raise dg.Failure(f"{asset}[{partition or '-'}] has not been materialized yet")
        return stored

    def partitions(self, asset: str) -> list[str]:
        """Partition keys of ``asset`` with a published version, sorted."""
        return self.root.partitions(asset)

    def newest(self, asset: str) -> tuple[str, StoredAsset] | None:
        """The newest published partition of a date-keyed asset and its version (see
        ``DataRoot.newest``), or None.
        """
        return self.root.newest(asset)


class ParquetIOManager(dg.ConfigurableIOManager):
    """Writes asset partitions under ``data_root`` atomically and loads them as handles."""

    data_root: str
    #: Local cache of a remote data root's versions ("": ~/.cache/wikiforge).
    cache_dir: str = ""

    @property
    def store(self) -> DataRoot:
        """The data root outputs are written to."""
        return open_data_root(self.data_root, self.cache_dir or None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Remember the data root, so artifact directories are staged on its filesystem."""
        global _RUN_DATA_ROOT
        _RUN_DATA_ROOT = self.store

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Remove the artifact directories this run's steps did not publish."""
        global _RUN_DATA_ROOT
        _RUN_DATA_ROOT = None
        for leftover in _RUN_ARTIFACT_DIRS:
            shutil.rmtree(leftover, ignore_errors=True)
        _RUN_ARTIFACT_DIRS.clear()

    # -- output --------------------------------------------------------------------------
    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        """Write ``obj`` into staging, then publish it as the partition's new version."""
        if obj is None:
            return
        asset = context.asset_key.path
        partition = context.partition_key if context.has_partition_key else None
        what = f"{'/'.join(asset)}[{partition or '-'}]"
        started = time.monotonic()
        staged = self.store.staging()
        try:
            result = self._write(context, obj, staged, what)
            inputs = _LOADED.get((context.run_id, context.step_key), [])
            sources = _merge_sources(
                _sources_of(context), *(i.manifest.get("sources", []) for i in inputs)
            )
            manifest = {
                "asset": "/".join(asset),
                "partition": partition,
                "files": result.files,
                "rows": result.rows,
                "run_id": context.run_id,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "sources": sources,
                "inputs": [
                    {
                        "asset": i.manifest.get("asset"),
                        "partition": i.manifest.get("partition"),
                        "version": i.version,
                    }
                    for i in inputs
                ],
                "stats": result.stats,
            }
            stored = self.store.publish(asset, partition, staged, manifest)
        except BaseException as exc:
            shutil.rmtree(staged, ignore_errors=True)
            if isinstance(obj, Artifacts):
                shutil.rmtree(obj.dir, ignore_errors=True)
            if is_disk_full(exc):
                current = self.store.current(asset, partition)
                raise disk_full_error(
                    self.store.root, what, exc, current.version if current else None
                ) from exc
            raise
        step_started = _step_started_at(context)
        metadata: dict[str, Any] = {
            "version": stored.version,
            "storage_dir": dg.MetadataValue.path(str(stored.dir)),
            "files": dg.MetadataValue.json(result.files),
            "bytes": sum(f["bytes"] for f in result.files.values()),
            "checksum": stored.checksum,
            "write_s": round(time.monotonic() - started, 3),
        }
        if step_started is not None:
            metadata["duration_s"] = round(time.time() - step_started, 3)
        if result.rows is not None:
            metadata["dagster/row_count"] = result.rows
        if sources:
            metadata["sources"] = dg.MetadataValue.json(sources)
        for key, value in result.stats.items():
            metadata[key] = _metadata_value(value)
        context.add_output_metadata(metadata)

    def _write(self, context: dg.OutputContext, obj: Any, staged: Path, what: str) -> WriteResult:
        if isinstance(obj, Artifacts):
            for item in obj.dir.iterdir():
                shutil.move(str(item), staged / item.name)
            shutil.rmtree(obj.dir, ignore_errors=True)
            return WriteResult(files=describe_files(staged), rows=obj.rows, stats=obj.stats)
        schema = context.definition_metadata.get(ARROW_SCHEMA_KEY)
        if schema is None:
            raise dg.DagsterInvariantViolationError(
                f"{what}: Parquet outputs must declare metadata=table_schema(SCHEMA)"
            )
        if isinstance(obj, TableStream):
            rows = write_parquet(staged, obj.batches, schema, what=what)
            return WriteResult(files=describe_files(staged), rows=rows, stats=obj.stats)
        table = _as_arrow(obj, what)
        if table.schema != schema:
            table = _cast_to(table, schema, what)
        rows = write_parquet(staged, table, schema, what=what)
        return WriteResult(files=describe_files(staged), rows=rows)

    # -- input ---------------------------------------------------------------------------
    def load_input(self, context: dg.InputContext) -> StoredAsset | dict[str, StoredAsset]:
        """The published version (or versions, by partition) of an input."""
        asset = context.asset_key.path
        loaded = _LOADED.setdefault(
            (context.step_context.run_id, context.step_context.step.key), []
        )
        if context.has_asset_partitions and len(context.asset_partition_keys) != 1:
            found = {
                key: stored
                for key in context.asset_partition_keys
                if (stored := self.store.current(asset, key)) is not None
            }
            loaded.extend(found.values())
            return found
        partition = context.asset_partition_key if context.has_asset_partitions else None
        stored = self.store.current(asset, partition)
        if stored is None:
            raise dg.DagsterInvariantViolationError(
                f"{'/'.join(asset)}[{partition or '-'}] has not been materialized yet"
            )
        loaded.append(stored)
        return stored


def _as_arrow(obj: Any, what: str) -> pa.Table:
    if isinstance(obj, pa.Table):
        return obj
    if isinstance(obj, pa.RecordBatch):
        return pa.Table.from_batches([obj])
    try:
        import polars as pl

        if isinstance(obj, pl.DataFrame):
            return obj.to_arrow()
    except ImportError:  # pragma: no cover
        pass
    raise TypeError(
        f"{what}: cannot store a {type(obj).__name__} (return a table, TableStream or Artifacts)"
    )


def _cast_to(table: pa.Table, schema: pa.Schema, what: str) -> pa.Table:
    """Cast equivalent representations (polars' large/view strings) to the declared schema."""
    from wikiforge.storage import SchemaMismatch, check_schema

    if table.schema.names != schema.names:
        check_schema(table.schema, schema, what=what)  # raises, naming the columns
    try:
        return table.cast(schema, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
        raise SchemaMismatch(f"{what}: cannot cast to the declared schema: {err}") from err


def _merge_sources(*groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Union of source lists, first occurrence kept, in order."""
    seen: dict[str, dict[str, Any]] = {}
    for group in groups:
        for source in group:
            seen.setdefault(str(source.get("path")), source)
    return list(seen.values())


def _sources_of(context: dg.OutputContext) -> list[dict[str, Any]]:
    """Source files named by the asset's own output metadata (see source_metadata)."""
    value = context.output_metadata.get("sources")
    data = getattr(value, "data", value)
    return list(data) if isinstance(data, list) else []


__all__ = [
    "PARQUET_FILE",
    "Artifacts",
    "DataStore",
    "ParquetIOManager",
    "StoredAsset",
    "TableStream",
    "source_metadata",
    "table_schema",
]
