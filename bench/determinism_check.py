"""Materialize the whole asset graph twice from the same inputs and compare every file.

Runs `wikiforge materialize` (the main job: every partition the landing zone holds, then the
global job) into two fresh data roots, each in its own process (so with its own string hash
seed and worker schedule), then compares the sha256 of every file of every published asset
partition, as the manifests record them. Prints one row per asset and every differing file.
The suite runs the same comparison on a slice (tests/reliability/test_determinism.py); this is
the full graph on the bundled landing zone, which takes several minutes.

Reproduce: .venv/bin/python bench/determinism_check.py [--dumps samples/dumps]
    [--crawls samples/crawls] [--sequential]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wikiforge.storage import DataRoot  # noqa: E402


def start_build(data: Path, dumps: Path, crawls: Path, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    with open(log, "wb") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from cli import main; main()",
                "materialize",
                "--dumps",
                str(dumps),
                "--crawls",
                str(crawls),
                "--data",
                str(data),
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dumps", type=Path, default=REPO / "samples" / "dumps")
    parser.add_argument("--crawls", type=Path, default=REPO / "samples" / "crawls")
    parser.add_argument(
        "--sequential",
        action="store_true",
        help="build one after the other (default: both at once)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the two data roots")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="determinism-"))
    roots = [work / "a", work / "b"]
    started = time.monotonic()
    outcomes = []
    if args.sequential:
        for root in roots:
            outcomes.append(
                start_build(root, args.dumps, args.crawls, work / f"{root.name}.log").wait()
            )
    else:
        builds = [start_build(r, args.dumps, args.crawls, work / f"{r.name}.log") for r in roots]
        outcomes = [b.wait() for b in builds]
    seconds = time.monotonic() - started
    for root, code in zip(roots, outcomes, strict=True):
        if code != 0:
            print(
                f"build {root.name} exited {code}; some runs failed (the comparison covers "
                f"what was published). Log: {work / (root.name + '.log')}"
            )
    first, second = (DataRoot(r).published_files() for r in roots)
    per_asset: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # partitions, files, diff
    differing = []
    partitions = defaultdict(set)
    for key in sorted(set(first) | set(second)):
        asset, partition, name = key
        partitions[asset].add(partition)
        per_asset[asset][1] += 1
        if first.get(key) != second.get(key):
            per_asset[asset][2] += 1
            side = (
                ""
                if key in first and key in second
                else (" (only in a)" if key in first else " (only in b)")
            )
            differing.append(f"{asset}/{partition}/{name}{side}")
    print(
        f"two builds of {args.dumps} + {args.crawls} in {seconds:.0f} s "
        f"({'sequential' if args.sequential else 'at once'})"
    )
    header = f"{'asset':<32} {'partitions':>10} {'files':>6} {'differing':>9}"
    print(header)
    print("-" * len(header))
    for asset in sorted(per_asset):
        _, files, diff = per_asset[asset]
        print(f"{asset:<32} {len(partitions[asset]):>10} {files:>6} {diff:>9}")
    print("-" * len(header))
    total = sum(v[1] for v in per_asset.values())
    print(
        f"{'all':<32} {sum(len(p) for p in partitions.values()):>10} {total:>6} {len(differing):>9}"
    )
    for line in differing:
        print(f"DIFFERS {line}")
    print("byte-identical" if not differing else f"{len(differing)} files differ")
    print(
        "Reproduce: .venv/bin/python bench/determinism_check.py"
        + ("" if args.dumps == REPO / "samples" / "dumps" else f" --dumps {args.dumps}")
        + ("" if args.crawls == REPO / "samples" / "crawls" else f" --crawls {args.crawls}")
        + (" --sequential" if args.sequential else "")
    )
    if args.keep:
        print(f"data roots kept under {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if differing or any(outcomes) else 0)


if __name__ == "__main__":
    main()
