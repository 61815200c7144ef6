"""Score a parsed TaskMap against an expected parse (recipe-scrapers' test JSON).

A page is right when the title matches (case, accents of entities, punctuation and spacing
ignored), at least 90% of the expected ingredients appear among the requirements, and the
steps' text covers at least 90% of the expected instructions' words (as a multiset).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from wikiforge.tasks.parsers.html import clean_text
from wikiforge.tasks.parsers.model import execution_order
from wikiforge.tasks.proto import TaskMap

_WORD = re.compile(r"\w+", re.UNICODE)
THRESHOLD = 0.9


def normalise(text: str) -> str:
    """Lowercase, NFKC, entities decoded, punctuation dropped, single spaces."""
    text = unicodedata.normalize("NFKC", clean_text(text)).casefold()
    return " ".join(_WORD.findall(text))


def words(text: str) -> list[str]:
    """Normalised word tokens."""
    return normalise(text).split()


@dataclass(frozen=True)
class PageScore:
    """How one parsed page compares with its expected parse."""

    title_ok: bool
    ingredient_recall: float
    instruction_coverage: float

    @property
    def ok(self) -> bool:
        """The page counts as right."""
        return (
            self.title_ok
            and self.ingredient_recall >= THRESHOLD
            and self.instruction_coverage >= THRESHOLD
        )


def score_taskmap(taskmap: TaskMap | None, expected: dict) -> PageScore:
    """Compare a TaskMap (or None: nothing parsed) with an expected parse dict."""
    if taskmap is None:
        return PageScore(False, 0.0, 0.0)
    title_ok = normalise(taskmap.title) == normalise(expected.get("title", ""))
    requirements = [normalise(f"{r.amount} {r.name}") for r in taskmap.requirement_list]
    requirements += [normalise(r.name) for r in taskmap.requirement_list]
    joined = " | ".join(requirements)
    wanted = [normalise(i) for i in expected.get("ingredients", []) if normalise(i)]
    found = sum(1 for w in wanted if w in requirements or w in joined)
    recall = found / len(wanted) if wanted else 1.0
    step_words: Counter[str] = Counter()
    for step in execution_order(taskmap):
        step_words.update(words(step.response.speech_text))
    expected_words: Counter[str] = Counter()
    for line in expected.get("instructions_list", []) or [expected.get("instructions", "")]:
        expected_words.update(words(line))
    total = sum(expected_words.values())
    covered = sum(min(n, step_words[w]) for w, n in expected_words.items())
    coverage = covered / total if total else 1.0
    return PageScore(title_ok, recall, coverage)
