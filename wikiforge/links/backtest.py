"""The backtest: relink pages whose links were removed and compare (anchor, target) pairs.

Two protocols over the same recommender (`recommend.prepare` + `recommend.select`, what the API
runs):
- sentences, the reference's (research-mwaddlink's `generate_backtesting_eval.py`,
  docs/references.md#mwaddlink): for each test sentence with at
  least one gold link, remove the links, recommend, and count the predicted (anchor, target)
  pairs that are gold;
- whole articles (held out): each article is relinked with all its article links stripped, and
  compared with every link it had.

Micro precision = sum TP / sum predicted, micro recall = sum TP / sum gold, at thresholds 0.0 to
0.9. The candidate ceiling is the share of gold pairs whose anchor is a mention the recommender
finds and whose target is among that mention's scored candidates: the recall no threshold and
no model can exceed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from wikiforge.links.index import LinkIndex
from wikiforge.links.model import LinkModel
from wikiforge.links.recommend import prepare, select
from wikiforge.links.training import article_gold, sentence_gold, strip_article_links
from wikiforge.wikitext.tokens import anchor_key

THRESHOLDS = tuple(round(0.1 * i, 1) for i in range(10))
MAX_SENTENCES = 10_000
#: Recommendations per page in the backtest: every link (the API's own cap is 500).
MAX_LINKS_PER_PAGE = 500


@dataclass(frozen=True, slots=True)
class BacktestRow:
    """One threshold's result (`number_of_sentences` counts the pages measured)."""

    threshold: float
    number_of_sentences: int
    precision: float
    recall: float
    true_positives: int
    predicted: int
    gold: int


@dataclass
class BacktestResult:
    """The rows of one protocol, its candidate ceiling and the scored links at threshold 0.

    `scores` and `correct` hold, for every link recommended at threshold 0, its score and
    whether it is gold: what calibration is measured on.
    """

    rows: list[BacktestRow]
    gold: int = 0
    gold_in_candidates: int = 0
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0))
    correct: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def ceiling(self) -> float:
        """The share of gold pairs among the candidates (the highest reachable recall)."""
        return self.gold_in_candidates / self.gold if self.gold else 0.0

    def at(self, threshold: float) -> BacktestRow:
        """The row of one threshold."""
        return next(row for row in self.rows if row.threshold == threshold)


def _sentence_cases(
    sentences: Iterable[tuple[str, str]], index: LinkIndex
) -> Iterator[tuple[str, str, set[tuple[str, str]]]]:
    for title, sentence in sentences:
        plain, gold = sentence_gold(sentence, index)
        yield title, plain, set(gold.items())


def _article_cases(
    articles: Iterable[tuple[str, str]], index: LinkIndex
) -> Iterator[tuple[str, str, set[tuple[str, str]]]]:
    for title, wikitext in articles:
        yield title, strip_article_links(wikitext, index), article_gold(wikitext, index)


def _evaluate(
    cases: Iterable[tuple[str, str, set[tuple[str, str]]]],
    index: LinkIndex,
    model: LinkModel,
    thresholds: tuple[float, ...],
    max_pages: int,
) -> BacktestResult:
    language = index.language_code
    tp = dict.fromkeys(thresholds, 0)
    predicted = dict.fromkeys(thresholds, 0)
    gold_total = in_candidates = used = 0
    scores: list[float] = []
    correct: list[bool] = []
    for title, plain, gold in cases:
        if used >= max_pages:
            break
        if not gold:
            continue
        used += 1
        gold_total += len(gold)
        prepared = prepare(index, model, plain, title)
        offered = {
            (key, target)
            for key, targets in zip(prepared.keys, prepared.candidates, strict=True)
            for target in targets
        }
        in_candidates += len(gold & offered)
        for threshold in thresholds:
            links = select(prepared, threshold, max_recommendations=MAX_LINKS_PER_PAGE)
            pairs = {(anchor_key(link.link_text, language), link.link_target) for link in links}
            predicted[threshold] += len(pairs)
            tp[threshold] += len(pairs & gold)
            if threshold == thresholds[0]:
                for link in links:
                    scores.append(link.score)
                    correct.append((anchor_key(link.link_text, language), link.link_target) in gold)
    rows = [
        BacktestRow(
            threshold=threshold,
            number_of_sentences=used,
            precision=tp[threshold] / predicted[threshold] if predicted[threshold] else 0.0,
            recall=tp[threshold] / gold_total if gold_total else 0.0,
            true_positives=tp[threshold],
            predicted=predicted[threshold],
            gold=gold_total,
        )
        for threshold in thresholds
    ]
    return BacktestResult(
        rows, gold_total, in_candidates, np.array(scores, dtype=np.float64), np.array(correct)
    )


def run_backtest(
    sentences: Iterable[tuple[str, str]],
    index: LinkIndex,
    model: LinkModel,
    thresholds: tuple[float, ...] = THRESHOLDS,
    max_sentences: int = MAX_SENTENCES,
) -> BacktestResult:
    """The reference's protocol over `(page_title, sentence_wikitext)` pairs.

    Precision is 0.0 at a threshold where nothing was predicted.
    """
    return _evaluate(_sentence_cases(sentences, index), index, model, thresholds, max_sentences)


def run_article_backtest(
    articles: Iterable[tuple[str, str]],
    index: LinkIndex,
    model: LinkModel,
    thresholds: tuple[float, ...] = THRESHOLDS,
    max_articles: int = MAX_SENTENCES,
) -> BacktestResult:
    """Whole articles `(title, wikitext)`, each relinked with its article links stripped and
    compared with all of them.
    """
    return _evaluate(_article_cases(articles, index), index, model, thresholds, max_articles)


def eval_csv(rows: list[BacktestRow]) -> str:
    """The rows in the reference's `<wiki>.backtest.eval.csv` layout."""
    lines = [",threshold,number_of_sentences,precision,recall"]
    for position, row in enumerate(rows):
        lines.append(
            f"{position},{row.threshold},{row.number_of_sentences},"
            f"{row.precision:.6f},{row.recall:.6f}"
        )
    return "\n".join(lines) + "\n"


#: The reference's publishing bar at threshold 0.5: precision "about 75% or higher", recall
#: not below 20% (docs/references.md#mwaddlink).
MIN_PRECISION = 0.75
MIN_RECALL = 0.20
#: How many standard errors a measured share may fall below its bar before it counts as below:
#: a small wiki's test half has a few dozen links, where one link moves precision by 4 points.
BAR_TOLERANCE_Z = 1.0


def wilson_upper(successes: int, trials: int, z: float = BAR_TOLERANCE_Z) -> float:
    """The upper end of the Wilson score interval of a binomial share (1.0 with no trials)."""
    if trials <= 0:
        return 1.0
    share = successes / trials
    denominator = 1 + z * z / trials
    centre = share + z * z / (2 * trials)
    spread = z * ((share * (1 - share) + z * z / (4 * trials)) / trials) ** 0.5
    return min(1.0, (centre + spread) / denominator)


def meets_bar(row: BacktestRow) -> bool:
    """Whether one threshold's result clears the publishing bar.

    A share counts as below its bar only when even the upper end of its one-standard-error
    Wilson interval is below it: on thousands of test links that is the point estimate, on a
    tiny wiki it keeps sampling noise from deciding. Nothing predicted, or no gold, never passes.
    """
    if row.predicted == 0 or row.gold == 0:
        return False
    return (
        wilson_upper(row.true_positives, row.predicted) >= MIN_PRECISION
        and wilson_upper(row.true_positives, row.gold) >= MIN_RECALL
    )
