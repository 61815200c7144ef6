"""Regenerate the demo page views bundled under samples/ (generated data, see PROVENANCE.md).

Reproduce: .venv/bin/python bench/qrank_make_demo_pageviews.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.qrank_generate import REPO_ROOT, describe, generate_demo_pageviews

DUMP = REPO_ROOT / "samples/dumps/wikidatawiki/entities/20190101/wikidata-20190101-all.json.bz2"
# Two obscure entities get a one-month spike: Cobquecura (Q3796) in June, Gmina Kurow (Q433) in
# November, as multiples of the most viewed entity's month.
SPIKES = {"Q3796": ("2018-06", 6.0), "Q433": ("2018-11", 1.0)}


def main() -> None:
    """Write the twelve demo files and print their line and byte counts."""
    paths = generate_demo_pageviews(REPO_ROOT / "samples/dumps", DUMP, seed=20190101, spikes=SPIKES)
    print(json.dumps(describe(paths), indent=2))


if __name__ == "__main__":
    main()
