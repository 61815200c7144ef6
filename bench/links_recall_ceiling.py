"""Recall ceiling of a backtest: how many gold links a recommender could find at all.

A gold link (anchor, target) of a test sentence can be recommended only if its anchor is in the
filtered anchor dictionary and the target is among the anchor's ten candidates. This counts those
for the reference-mode test sentences and the held-out sentences of each wiki (no model needed,
so no embeddings are built); micro recall cannot exceed `candidates / gold`.

Usage:
  .venv/bin/python bench/links_recall_ceiling.py --wikis enwiki hawiki
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from wikiforge.dumps.xml_reader import read_pages  # noqa: E402
from wikiforge.links.build import build_links  # noqa: E402
from wikiforge.links.features import MAX_CANDIDATES  # noqa: E402
from wikiforge.links.training import sentence_gold  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wikis", nargs="+", default=["hawiki", "nvwiki", "enwiki"])
    args = parser.parse_args()
    print(
        f"{'wiki':8} {'mode':8} {'sent':>5} {'gold':>5} {'in dict':>7} {'candidate':>9} "
        f"{'ceiling':>7} {'learning articles':>17}"
    )
    for wiki in args.wikis:
        dump = next((REPO / "samples" / "dumps" / wiki).glob("*/*-pages-articles.xml.*"))
        build = build_links([asdict(p) for p in read_pages(dump)], wiki, with_vectors=False)
        index = build.index
        for mode in ("test", "heldout"):
            gold_links = in_dictionary = candidate = 0
            for _, sentence in build.sentences[mode]:
                _, gold = sentence_gold(sentence, index)
                for key, target in gold.items():
                    gold_links += 1
                    entry = index.entries.get(key)
                    if entry is not None:
                        in_dictionary += 1
                        candidate += target in entry.targets[:MAX_CANDIDATES]
            print(
                f"{wiki:8} {mode:8} {len(build.sentences[mode]):5d} {gold_links:5d} "
                f"{in_dictionary:7d} {candidate:9d} {candidate / max(gold_links, 1):7.3f} "
                f"{build.stats['learning_articles']:17d}"
            )


if __name__ == "__main__":
    main()
