"""Heaps' law on the real sample wikis, and what the generated dumps reach.

Prints, per real wiki (its ns-0 pages, averaged over 5 seeded random orders): XML size, distinct
article titles, redirects and anchor texts at the end, and the fitted exponent ``beta`` of
``distinct = k * bytes ** beta``; then the growth the generator follows
(``bench/support/wiki_generate.py``) and, for every generated dump cached by the cost curves
(``bench/.cache/scale/wiki-heaps-*``), its counts against the curve.

    .venv/bin/python bench/wiki_heaps.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.support.wiki_generate import fit_all, growth_from_fits  # noqa: E402

CACHE = REPO / "bench" / ".cache" / "scale"


def main() -> int:
    fitted = fit_all()
    print("| wiki | MB of ns-0 XML | titles | beta | redirects | beta | anchors | beta |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for wiki, row in fitted.items():
        cells = [f"{row['xml_bytes'] / 1e6:.1f}"]
        for name in ("titles", "redirects", "anchors"):
            fit = row[f"{name}_fit"]
            cells += [f"{row[name]:,}", f"{fit.beta:.2f}" if fit else "-"]
        print(f"| {wiki} | " + " | ".join(cells) + " |")
    growth = {name: growth_from_fits(fitted, name) for name in ("titles", "redirects", "anchors")}
    print()
    for name, g in growth.items():
        print(f"generator {name}: k = {g.k:.3g}, beta = {g.beta:.3f}")
    rows = []
    for stats_path in sorted(CACHE.glob("wiki-heaps-*-seed*/generated.json")):
        stats = json.loads(stats_path.read_text())
        rows.append(stats)
    if rows:
        print()
        print(
            "| generated MB | articles | redirects (curve) | links | distinct anchors (curve) "
            "| MB of bz2 |"
        )
        print("|---:|---:|---:|---:|---:|---:|")
        for stats in sorted(rows, key=lambda s: s["xml_bytes"]):
            size = stats["xml_bytes"]
            print(
                f"| {size / 1e6:,.0f} | {stats['articles']:,} | {stats['redirects']:,} "
                f"({growth['redirects'].at(size):,.0f}) | {stats['links']:,} | "
                f"{stats['distinct_anchors']:,} ({growth['anchors'].at(size):,.0f}) | "
                f"{stats['bz2_bytes'] / 1e6:,.0f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
