"""Does the target's PageRank help the link recommender? Backtest with and without it.

The links line's own pipeline (`wikiforge.links.build.build_links`, held-out mode: a fixed
share of articles kept out of anchors, embeddings and training; the test sentences are theirs)
is run twice on the same wiki: once with its `extended` feature set, once with one more column,
`target_pagerank_log` = log10(n * PageRank of the candidate target) from
`wikiforge.graph.features.PageRankFeature`. PageRank is computed on the wiki's link graph
*without the held-out articles' links*, so the test sentences' gold links do not leak into the
feature. Nothing in the links line is edited: the extra column is added by wrapping its
`candidate_features` function for the new feature-set name, in this process only.

Reproduce:
    .venv/bin/python bench/graph_link_feature.py                # hawiki and nvwiki
    .venv/bin/python bench/graph_link_feature.py --wikis hawiki
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DUMPS = {
    "hawiki": REPO / "samples/dumps/hawiki/20150406/hawiki-20150406-pages-articles.xml.bz2",
    "nvwiki": REPO / "samples/dumps/nvwiki/20150602/nvwiki-20150602-pages-articles.xml.bz2",
    "enwiki": REPO / "samples/dumps/enwiki/20160501/enwiki-20160501-pages-articles.xml.bz2",
}
WITH_PAGERANK = "extended+pagerank"


def page_rows(path: Path) -> list[dict]:
    from wikiforge.dumps.xml_reader import read_pages

    return [
        {
            "page_id": p.page_id,
            "namespace": p.namespace,
            "title": p.title,
            "redirect": p.redirect,
            "text": p.text,
        }
        for p in read_pages(path)
    ]


def training_pagerank_feature(wiki: str, path: Path):
    """PageRank over the graph of the learning (not held-out) articles' links."""
    from wikiforge.graph.features import PageRankFeature
    from wikiforge.graph.link_graph import link_graph_from_xml_dump
    from wikiforge.graph.scores import pagerank
    from wikiforge.links.build import language_of
    from wikiforge.links.sentences import DEFAULT_HELD_OUT_SHARE, is_held_out

    graph = link_graph_from_xml_dump([path], language_of(wiki))
    titles = graph.title.to_pylist()
    held = np.array(
        [is_held_out(wiki, t.replace("_", " "), DEFAULT_HELD_OUT_SHARE) for t in titles]
    )
    keep = ~held[graph.source]
    result = pagerank(graph.node_count, graph.source[keep], graph.target[keep])
    return PageRankFeature(titles, result.scores), int(held.sum()), int((~keep).sum())


def install_pagerank_column(feature) -> None:
    """Register the feature set and wrap `candidate_features` where the links line calls it."""
    from wikiforge.graph.features import FEATURE_NAME
    from wikiforge.links import features, recommend, training

    features.FEATURE_SETS[WITH_PAGERANK] = features.EXTENDED_FEATURES + (FEATURE_NAME,)
    original = features.candidate_features

    def with_pagerank(key, n_tokens, entry, source_vector, target_vectors, feature_set="extended"):
        if feature_set != WITH_PAGERANK:
            return original(key, n_tokens, entry, source_vector, target_vectors, feature_set)
        base = original(key, n_tokens, entry, source_vector, target_vectors, "extended")
        column = feature.values(entry.targets[: len(target_vectors)]).astype(np.float32)
        return np.hstack([base, column[:, None]])

    training.candidate_features = with_pagerank
    recommend.candidate_features = with_pagerank


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wikis", nargs="*", default=["hawiki", "nvwiki"])
    args = parser.parse_args()
    from wikiforge.links.build import build_links

    print(
        "| wiki | features | threshold | sentences | precision | recall | TP | predicted | gold |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    notes = []
    for wiki in args.wikis:
        rows = page_rows(DUMPS[wiki])
        feature, held_articles, dropped_edges = training_pagerank_feature(wiki, DUMPS[wiki])
        install_pagerank_column(feature)
        for feature_set in ("extended", WITH_PAGERANK):
            started = time.perf_counter()
            build = build_links(rows, wiki, mode="heldout", feature_set=feature_set)
            backtest = build.backtest()
            seconds = time.perf_counter() - started
            for row in backtest:
                if row.threshold in (0.3, 0.5, 0.7):
                    print(
                        f"| {wiki} | {feature_set} | {row.threshold} | "
                        f"{row.number_of_sentences} | {row.precision:.4f} | {row.recall:.4f} | "
                        f"{row.true_positives} | {row.predicted} | {row.gold} |"
                    )
            notes.append(
                f"{wiki} {feature_set}: {build.stats['training_rows']} training rows, "
                f"{build.stats['test_sentences']} test sentences, {seconds:.0f}s"
            )
        notes.append(
            f"{wiki}: PageRank without {held_articles} held-out articles' {dropped_edges} links"
        )
    print()
    print("\n".join(notes))
    print("reproduce: .venv/bin/python bench/graph_link_feature.py --wikis " + " ".join(args.wikis))


if __name__ == "__main__":
    main()
