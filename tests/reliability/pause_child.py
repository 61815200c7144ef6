"""A materialization that stops at a chosen point of its write, for the SIGKILL tests.

Run as ``python -m tests.reliability.pause_child DATA DUMPS PARTITION DYNAMIC MARKER PHASE
module:asset...``. It materializes the named assets for one partition with the real IO manager;
when the write reaches ``PHASE`` it writes ``MARKER`` and sleeps, so the parent can kill it with
SIGKILL at exactly that point (no timing luck). ``PHASE`` ``none`` runs to completion.

Phases (each wraps a real function and lets it do its real work first where that matters):

- ``qrank-gzip``: the qrank asset has written (and flushed) the first bytes of its gzip file.
- ``model-file``: the link model JSON is on disk, its checksum file is not written yet.
- ``staging``: the IO manager has moved one file of the output into ``.staging``, not the rest.
- ``renamed``: the complete version directory has been renamed into place, ``CURRENT.json`` not
  yet replaced (the one point where an unpublished version sits beside the published one).
- ``pointer``: the new pointer is written and fsynced under a temporary name, not yet renamed.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import time
import warnings
from pathlib import Path

POINTER = "CURRENT.json"


def _pause(marker: Path) -> None:
    marker.write_text(str(os.getpid()))
    time.sleep(3600)


def install(phase: str, marker: Path, data_root: Path, asset_names: set[str]) -> None:
    """Wrap the function that performs ``phase`` so the process stops there."""
    staging = str(data_root / ".staging")

    def in_asset(path: str) -> bool:
        # A partition directory of one of the assets this run writes: <root>/<asset>/<partition>
        if not path.startswith(str(data_root)):
            return False
        rel = Path(path).resolve().relative_to(data_root)
        return len(rel.parts) >= 2 and rel.parts[0] in asset_names

    if phase == "qrank-gzip":
        from wikiforge.qrank import ranking

        original_write = ranking._HashingWriter.write

        def write(self, data):
            written = original_write(self, data)
            self.target.flush()
            _pause(marker)
            return written

        ranking._HashingWriter.write = write
    elif phase == "model-file":
        from wikiforge.links import model

        original_sha = model.sha256_file

        def sha256_file(path):
            if str(path).endswith(".linkmodel.json") and Path(path).stat().st_size > 0:
                _pause(marker)
            return original_sha(path)

        model.sha256_file = sha256_file
    elif phase == "staging":
        original_move = shutil.move

        def move(src, dst, *args, **kwargs):
            result = original_move(src, dst, *args, **kwargs)
            if str(dst).startswith(staging):
                _pause(marker)
            return result

        shutil.move = move
    elif phase in ("renamed", "pointer"):
        original_replace = os.replace

        def replace(src, dst, *args, **kwargs):
            src, dst = os.fspath(src), os.fspath(dst)
            if phase == "pointer" and dst.endswith(POINTER) and in_asset(dst):
                _pause(marker)
            result = original_replace(src, dst, *args, **kwargs)
            if phase == "renamed" and src.startswith(staging) and in_asset(dst):
                _pause(marker)
            return result

        os.replace = replace
    elif phase != "none":
        raise SystemExit(f"unknown phase {phase!r}")


def upstream_sources(assets: list) -> list:
    """The inputs and deps of ``assets`` that this run does not produce, as source assets the
    IO manager loads from the data root (what a partial run of the real graph does).
    """
    import dagster as dg

    produced = {a.key for a in assets}
    wanted: dict = {}
    for asset in assets:
        for dep in asset.specs_by_key[asset.key].deps:
            if dep.asset_key not in produced:
                wanted.setdefault(dep.asset_key, asset.partitions_def)
    return [dg.SourceAsset(key=key, partitions_def=parts) for key, parts in wanted.items()]


def main(argv: list[str]) -> None:
    data, dumps, partition, dynamic, marker, phase, *specs = argv
    warnings.filterwarnings("ignore")
    import dagster as dg

    from resources import build_resources

    assets = []
    for spec in specs:
        module, name = spec.split(":")
        assets.append(getattr(importlib.import_module(module), name))
    data_root = Path(data).resolve()
    install(phase, Path(marker), data_root, {a.key.path[0] for a in assets})
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(dynamic, [partition])
        result = dg.materialize(
            [*assets, *upstream_sources(assets)],
            partition_key=partition,
            instance=instance,
            resources=build_resources(data_root=data_root, dumps_dir=dumps, crawls_dir=dumps),
        )
    sys.exit(0 if result.success else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
