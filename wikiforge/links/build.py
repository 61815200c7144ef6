"""The whole links line over page rows in one call: for tests, benchmarks and small wikis.

The assets run the same steps one by one (each published and checked); this runs them in
memory, in the same order, with the same functions and the same configuration: a deterministic
share of articles is held out of anchors, embeddings and training; one model is trained on the
`train` sentences and measured twice:
- `reference`: on the `test` sentences, first sentences of articles whose links and text fed the
  anchors and embeddings, as the reference measures (which flatters it);
- `heldout`: on the first sentences of the held-out articles, which the model never saw.
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

BACKTEST_SPLITS = {"reference": "test", "heldout": "heldout"}


def language_of(wiki: str) -> str:
    """`hawiki` -> `ha`, `zh_yuewiki` -> `zh-yue`."""
    base = wiki[:-4] if wiki.endswith("wiki") else wiki
    return base.replace("_", "-")


@dataclass
class LinkBuild:
    """Everything built for one wiki."""

    index: LinkIndex
    model: LinkModel | None
    sentences: dict[str, list[tuple[str, str]]]
    partial_dump: bool
    stats: dict = field(default_factory=dict)

    def backtest(self, mode: str = "heldout") -> list[BacktestRow]:
        """The backtest table of one mode (`reference` or `heldout`); empty without a model."""
        if self.model is None:
            return []
        return run_backtest(self.sentences[BACKTEST_SPLITS[mode]], self.index, self.model)


def build_links(
    rows: Iterable[Mapping],
    wiki: str,
    feature_set: str = "extended",
    with_vectors: bool = True,
    mask: bool = True,
    p31_by_title: Mapping[str, Iterable[str]] | None = None,
    never_link: Iterable[str] = (),
    held_out_share: float = DEFAULT_HELD_OUT_SHARE,
    train_per_article: int = pipeline.TRAIN_SENTENCES_PER_ARTICLE,
    xgboost_params: dict | None = None,
    rounds: int | None = None,
) -> LinkBuild:
    """Build anchors, vectors, sentences and the model for one wiki from its page rows."""
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
    learning = [row for row in articles if not is_held_out(wiki, row["title"], held_out_share)]

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
                learning,
                pageids,
                redirects,
                language,
                prefixes,
                Path(work) / "corpus.txt",
                allow_unknown_targets=partial,
            )
    titles, matrix = vectors_matrix(vectors) if vectors else ([], np.zeros((0, DIMENSIONS)))
    index = LinkIndex(
        filtered,
        pageids,
        redirects,
        titles,
        matrix,
        language,
        anchors.link_probability,
        prefixes,
        allow_unknown_targets=partial,
    )
    sentences: dict[str, list[tuple[str, str]]] = {"train": [], "test": [], "heldout": []}
    for row in articles:
        for found in pipeline.article_sentences(
            row, prefixes, wiki, held_out_share, train_per_article=train_per_article
        ):
            sentences[found.split].append((found.page_title, found.sentence))
    rows_for_training = training_rows(sentences["train"], index, feature_set)
    labels = rows_for_training.labels
    model = None
    if labels.size and 0 < labels.sum() < len(labels):
        model = LinkModel.train(
            rows_for_training.features,
            labels,
            feature_set,
            params=xgboost_params,
            **({"rounds": rounds} if rounds else {}),
        )
    stats = {
        "articles": len(articles),
        "learning_articles": len(learning),
        "anchors": len(filtered),
        "vectors": len(vectors),
        "training_rows": int(len(labels)),
        **{f"{split}_sentences": len(found) for split, found in sentences.items()},
        "resolvable_share": round(share, 4),
        "anchor_filter": filter_stats.__dict__,
    }
    return LinkBuild(index, model, sentences, partial, stats)
