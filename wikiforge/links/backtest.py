"""The backtest: relink test sentences and compare (anchor, target) pairs.

The reference's protocol (research-mwaddlink's `generate_backtesting_eval.py`,
docs/references.md#mwaddlink): for each test sentence with at least one gold link, remove the
links, recommend, and count the predicted (anchor, target) pairs that are gold. Micro
precision = sum TP / sum predicted, micro recall = sum TP / sum gold, at thresholds 0.0 to 0.9,
at most 10,000 sentences.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wikiforge.links.index import LinkIndex
from wikiforge.links.model import LinkModel
from wikiforge.links.recommend import prepare, select
from wikiforge.links.training import sentence_gold
from wikiforge.wikitext.tokens import anchor_key

THRESHOLDS = tuple(round(0.1 * i, 1) for i in range(10))
MAX_SENTENCES = 10_000


@dataclass(frozen=True, slots=True)
class BacktestRow:
    """One threshold's result."""

    threshold: float
    number_of_sentences: int
    precision: float
    recall: float
    true_positives: int
    predicted: int
    gold: int


def run_backtest(
    sentences: Iterable[tuple[str, str]],
    index: LinkIndex,
    model: LinkModel,
    thresholds: tuple[float, ...] = THRESHOLDS,
    max_sentences: int = MAX_SENTENCES,
) -> list[BacktestRow]:
    """Micro precision and recall per threshold over `(page_title, sentence_wikitext)` pairs.

    Precision is 0.0 at a threshold where nothing was predicted.
    """
    language = index.language_code
    tp = dict.fromkeys(thresholds, 0)
    predicted = dict.fromkeys(thresholds, 0)
    gold_total = 0
    used = 0
    for title, sentence in sentences:
        if used >= max_sentences:
            break
        plain, gold = sentence_gold(sentence, index)
        if not gold:
            continue
        used += 1
        gold_pairs = set(gold.items())
        gold_total += len(gold_pairs)
        prepared = prepare(index, model, plain, title)
        for threshold in thresholds:
            links = select(prepared, threshold, max_recommendations=1000)
            pairs = {(anchor_key(link.link_text, language), link.link_target) for link in links}
            predicted[threshold] += len(pairs)
            tp[threshold] += len(pairs & gold_pairs)
    return [
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


def eval_csv(rows: list[BacktestRow]) -> str:
    """The rows in the reference's `<wiki>.backtest.eval.csv` layout."""
    lines = [",threshold,number_of_sentences,precision,recall"]
    for position, row in enumerate(rows):
        lines.append(
            f"{position},{row.threshold},{row.number_of_sentences},"
            f"{row.precision:.6f},{row.recall:.6f}"
        )
    return "\n".join(lines) + "\n"
