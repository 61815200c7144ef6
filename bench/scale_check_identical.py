"""Compare two data roots file by file (the sha256s in every published manifest).

Checks that a change (e.g. routing a step through the engine) leaves the outputs
byte-identical: run the demo before and after the change into two data roots, then

    .venv/bin/python bench/scale_check_identical.py data-before data-after [--assets a,b,...]

Prints one line per asset partition (same / DIFFERENT / missing) and exits 1 on a difference.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wikiforge.storage import DataRoot


def published(root: Path) -> dict[tuple[str, str], dict[str, str]]:
    """(asset, partition) -> {file: sha256} of every published partition under a data root."""
    data = DataRoot(root)
    found = {}
    for asset in data.assets():
        for partition in data.partitions(asset):
            stored = data.current(asset, partition)
            if stored is not None:
                found[(asset, partition)] = {
                    name: meta["sha256"]
                    for name, meta in stored.files.items()
                    if name != "_manifest.json"
                }
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--assets", default="", help="Only these assets (comma-separated).")
    args = parser.parse_args()
    wanted = {a for a in args.assets.split(",") if a}
    before, after = published(args.before), published(args.after)
    differ = 0
    for key in sorted(before.keys() | after.keys()):
        if wanted and key[0] not in wanted:
            continue
        if key not in before or key not in after:
            state = "missing in " + ("before" if key not in before else "after")
        elif before[key] == after[key]:
            state = "same"
        else:
            changed = sorted(
                n
                for n in before[key].keys() | after[key].keys()
                if before[key].get(n) != after[key].get(n)
            )
            state = "DIFFERENT: " + ", ".join(changed)
        differ += state != "same"
        print(f"{key[0]:<32} {key[1]:<14} {state}")
    print(f"{differ} asset partitions differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
