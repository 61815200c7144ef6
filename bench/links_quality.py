"""Benchmark: link recommendation quality, reference-style and held-out, against a reference-like
configuration built in the same run.

Two configurations are built from the same pages with the same code path (wikiforge.links.build):

  reference-like   what the reference does: its six features, XGBClassifier's default
                   hyper-parameters, as-text counts without masking (its bug), one training
                   sentence (the first) per article.
  wikiforge        the shipped configuration: three more features (commonness, link
                   probability, rank), masked as-text counts, regularised trees, up to ten
                   training sentences per training article.

Both hold the same deterministic 15% of articles out of anchors, embeddings and training, and
each is measured twice with the reference's protocol (remove the links of a first sentence,
recommend, compare (anchor, target) pairs; micro precision/recall at thresholds 0.0-0.9):
  reference mode   on the test half of the first sentences of the learning articles (their links
                   fed the anchors and embeddings: the reference's own, flattering, backtest);
  held-out mode    on the first sentences of the held-out articles (never seen).

Inputs are the real dumps (not generated), the repo's samples/dumps (real
dumps, ja/el/uk cut shorter; provenance in samples/PROVENANCE.md). Numbers are measured on a shared 2-core machine.

Usage:
  .venv/bin/python bench/links_quality.py                       # hawiki nvwiki enwiki
  .venv/bin/python bench/links_quality.py --wikis hawiki jawiki --no-vectors
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from wikiforge.dumps.xml_reader import read_pages  # noqa: E402
from wikiforge.links.build import build_links  # noqa: E402
from wikiforge.links.model import REFERENCE_PARAMS, REFERENCE_ROUNDS  # noqa: E402

CONFIGS = {
    "reference-like": dict(
        feature_set="reference",
        mask=False,
        train_per_article=1,
        xgboost_params=REFERENCE_PARAMS,
        rounds=REFERENCE_ROUNDS,
    ),
    "wikiforge": {},
}


def dump_for(wiki: str) -> Path:
    """The wiki's pages-articles dump: the repo's bundled copy."""
    return next((REPO / "samples" / "dumps" / wiki).glob("*/*-pages-articles.xml.*"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wikis", nargs="+", default=["hawiki", "nvwiki", "enwiki"])
    parser.add_argument("--no-vectors", action="store_true", help="skip embeddings (faster)")
    parser.add_argument("--all-thresholds", action="store_true", help="print 0.0-0.9 rows")
    args = parser.parse_args()
    print("command:", shlex.join([".venv/bin/python", "bench/links_quality.py", *sys.argv[1:]]))
    header = f"{'wiki':8} {'config':15} {'mode':10} {'thr':>4} {'sent':>5} {'P':>6} {'R':>6}"
    results = []
    for wiki in args.wikis:
        rows = [asdict(page) for page in read_pages(dump_for(wiki))]
        for name, options in CONFIGS.items():
            started = time.perf_counter()
            build = build_links(rows, wiki, with_vectors=not args.no_vectors, **options)
            for mode in ("reference", "heldout"):
                for row in build.backtest(mode):
                    if args.all_thresholds or row.threshold == 0.5:
                        results.append((wiki, name, mode, row))
            print(
                f"# {wiki} {name}: built and measured in {time.perf_counter() - started:.1f} s"
                f" ({build.stats['train_sentences']} train sentences,"
                f" {build.stats['training_rows']} training rows)",
                flush=True,
            )
    print(header)
    for wiki, name, mode, row in results:
        print(
            f"{wiki:8} {name:15} {mode:10} {row.threshold:4.1f} {row.number_of_sentences:5d} "
            f"{row.precision:6.3f} {row.recall:6.3f}"
        )


if __name__ == "__main__":
    main()
