"""The whole links line over page rows in one call: for tests, benchmarks and small wikis.

The assets run the same steps one by one (each published and checked); this runs them in
memory, in the same order, with the same functions, in either evaluation mode:
- `reference`: everything is learned from all articles and tested on the test half of the first
  sentences, as the reference does (its numbers are flattered: the test articles fed the anchors
  and embeddings);
- `heldout`: a deterministic share of articles is kept out of anchors, embeddings, sentences
  and training, and the test sentences are exactly theirs.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from wikiforge.links import pipeline
from wikiforge.links.backtest import BacktestRow, run_backtest
from wikiforge.links.embeddings import DIMENSIONS, vectors_matrix
from wikiforge.links.exclusion import excluded_classes, filter_anchors
from wikiforge.links.index import LinkIndex
from wikiforge.links.model import LinkModel
from wikiforge.links.sentences import DEFAULT_HELD_OUT_SHARE, is_held_out
from wikiforge.links.training import training_rows

MODES = ("reference", "heldout")


def language_of(wiki: str) -> str:
    """`hawiki` -> `ha`, `zh_yuewiki` -> `zh-yue`."""
    base = wiki[:-4] if wiki.endswith("wiki") else wiki
    return base.replace("_", "-")


@dataclass
class LinkBuild:
    """Everything built for one wiki and mode."""

    index: LinkIndex
    model: LinkModel | None
    train_sentences: list[tuple[str, str]]
    test_sentences: list[tuple[str, str]]
    partial_dump: bool
    stats: dict = field(default_factory=dict)

    def backtest(self) -> list[BacktestRow]:
        """The backtest table of this build (empty without a model)."""
        if self.model is None:
            return []
        return run_backtest(self.test_sentences, self.index, self.model)


def build_links(
    rows: Iterable[Mapping],
    wiki: str,
    mode: str = "heldout",
    feature_set: str = "extended",
    with_vectors: bool = True,
    mask: bool = True,
    p31_by_title: Mapping[str, Iterable[str]] | None = None,
    never_link: Iterable[str] = (),
    held_out_share: float = DEFAULT_HELD_OUT_SHARE,
) -> LinkBuild:
    """Build anchors, vectors, sentences and the model for one wiki from its page rows."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    language = language_of(wiki)
    rows = list(rows)
    prefixes = pipeline.namespace_prefixes(rows)
    pageids, redirects, _ = pipeline.pageids_and_redirects(rows, language)
    articles = list(pipeline.iter_articles(rows))
    share = pipeline.resolvable_share(articles, pageids, redirects, language, prefixes)
    partial = share < pipeline.PARTIAL_DUMP_SHARE
    if partial:
        pageids, redirects, _ = pipeline.pageids_and_redirects(
            rows, language, allow_missing_final=True
        )

    def held(title: str) -> bool:
        return mode == "heldout" and is_held_out(wiki, title, held_out_share)

    learning = [row for row in articles if not held(row["title"])]

    def links():
        for row in learning:
            found, _ = pipeline.article_links(
                row, pageids, redirects, language, prefixes=prefixes if partial else None
            )
            yield row["title"], [(link.anchor, link.target) for link in found]

    anchors = pipeline.build_anchors(
        links(),
        lambda: (pipeline.article_prose_chunks(row, prefixes) for row in learning),
        language,
        mask=mask,
    )
    filtered, filter_stats = filter_anchors(
        anchors.anchors, p31_by_title, excluded_classes(wiki), never_link
    )
    vectors: dict = {}
    if with_vectors:
        with tempfile.TemporaryDirectory(prefix="links-corpus-") as work:
            vectors, _ = pipeline.build_vectors(
                learning, pageids, redirects, language, prefixes, Path(work) / "corpus.txt",
                allow_unknown_targets=partial,
            )
    titles, matrix = vectors_matrix(vectors) if vectors else ([], np.zeros((0, DIMENSIONS)))
    index = LinkIndex(
        filtered, pageids, redirects, titles, matrix, language, anchors.link_probability,
        prefixes, allow_unknown_targets=partial,
    )
    sentences = [s for s in (pipeline.article_sentence(r, prefixes) for r in articles) if s]
    if mode == "heldout":
        train = [(s.page_title, s.sentence) for s in sentences if not held(s.page_title)]
        test = [(s.page_title, s.sentence) for s in sentences if held(s.page_title)]
    else:
        train = [(s.page_title, s.sentence) for s in sentences if s.split == "train"]
        test = [(s.page_title, s.sentence) for s in sentences if s.split == "test"]
    rows_for_training = training_rows(train, index, feature_set)
    model = None
    if rows_for_training.labels.size and 0 < rows_for_training.labels.sum() < len(
        rows_for_training.labels
    ):
        model = LinkModel.train(rows_for_training.features, rows_for_training.labels, feature_set)
    stats = {
        "articles": len(articles),
        "learning_articles": len(learning),
        "anchors": len(filtered),
        "vectors": len(vectors),
        "training_rows": int(len(rows_for_training.labels)),
        "train_sentences": len(train),
        "test_sentences": len(test),
        "resolvable_share": round(share, 4),
        "anchor_filter": filter_stats.__dict__,
    }
    return LinkBuild(index, model, train, test, partial, stats)
