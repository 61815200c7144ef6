"""Materialize some assets of one partition over an existing data root (a new version of each).

Used by bench/load_mixed.py to publish a new materialization while the server is under load:
the named assets are recomputed by Dagster with the real IO manager, reading their inputs from
what the data root already holds, and published atomically (new version, pointer moved).

Reproduce: .venv/bin/python bench/load_publish.py --data DIR
    --group 20190101:wikidata_dump:assets.qrank.qrank:qrank,assets.qrank.qrank:qrank_stats
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def upstream_sources(assets: list) -> list:
    """Inputs and deps of ``assets`` that this run does not produce, as source assets (loaded
    by the IO manager from the data root).
    """
    import dagster as dg

    produced = {a.key for a in assets}
    wanted: dict = {}
    for asset in assets:
        for dep in asset.specs_by_key[asset.key].deps:
            if dep.asset_key not in produced:
                wanted.setdefault(dep.asset_key, asset.partitions_def)
    return [dg.SourceAsset(key=key, partitions_def=parts) for key, parts in wanted.items()]


def publish(
    data: Path, dumps: Path, crawls: Path, partition: str, family: str, specs: list[str]
) -> float:
    """Materialize ``specs`` ("module:asset") for one partition; returns the seconds taken."""
    warnings.filterwarnings("ignore")
    import dagster as dg

    from resources import build_resources

    assets = [getattr(importlib.import_module(m), n) for m, n in (s.split(":") for s in specs)]
    started = time.monotonic()
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(family, [partition])
        result = dg.materialize(
            [*assets, *upstream_sources(assets)],
            partition_key=partition,
            instance=instance,
            resources=build_resources(data_root=data, dumps_dir=dumps, crawls_dir=crawls),
            raise_on_error=False,
        )
    if not result.success:
        raise SystemExit(f"materialization of {specs} [{partition}] failed")
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--dumps", type=Path, default=REPO / "samples" / "dumps")
    parser.add_argument("--crawls", type=Path, default=REPO / "samples" / "crawls")
    parser.add_argument(
        "--group",
        action="append",
        required=True,
        metavar="PARTITION:FAMILY:module:asset[,module:asset...]",
        help="one partition's assets to publish (repeatable, run in order)",
    )
    parser.add_argument(
        "--start-at",
        type=float,
        default=0.0,
        help="wall-clock time (epoch seconds) to start at, after the imports",
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    import dagster  # noqa: F401 - imported before waiting, so the publish starts on time

    import resources  # noqa: F401

    time.sleep(max(0.0, args.start_at - time.time()))
    for group in args.group:
        partition, family, specs = group.split(":", 2)
        started = time.time()
        seconds = publish(
            args.data.resolve(), args.dumps, args.crawls, partition, family, specs.split(",")
        )
        print(
            json.dumps(
                {
                    "group": f"{family}[{partition}]",
                    "assets": specs.split(","),
                    "started": started,
                    "published": started + seconds,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
