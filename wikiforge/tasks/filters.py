"""TaskMap filters with statistics: dangerous tasks, single-step tasks, duplicates.

Fixes over OAT's filters:
- dangerous: matched on the title *and every step*, on word tokens with plurals and
  punctuation folded ("Chainsaws," matches "chainsaw"), multi-word entries as phrases;
- duplicates: normalised title plus content, the best-rated copy kept (rating_out_100, then
  rating_count, then the smallest taskmap_id so the choice is deterministic), and only among
  tasks that pass the other filters (OAT marked a title seen even when that copy was dropped).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources

from wikiforge.tasks.parsers.model import execution_order
from wikiforge.tasks.proto import TaskMap
from wikiforge.tasks.text import folded_tokens, tokens


def load_word_list(text: str | None = None) -> list[tuple[str, ...]]:
    """Entries of a word list (one per line, `#` comments) as folded token tuples."""
    if text is None:
        text = resources.files("wikiforge.tasks").joinpath("data/dangerous_words.txt").read_text()
    entries = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            folded = tuple(folded_tokens(line))
            if folded:
                entries.append(folded)
    return list(dict.fromkeys(entries))


class DangerousFilter:
    """Flags tasks whose title or steps contain an entry of the dangerous word list."""

    name = "dangerous"

    def __init__(self, entries: list[tuple[str, ...]] | None = None) -> None:
        self.entries = entries if entries is not None else load_word_list()
        self.by_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for entry in self.entries:
            self.by_first[entry[0]].append(entry)

    def match(self, text: str) -> str | None:
        """The first entry found in `text` (as words), or None."""
        words = folded_tokens(text)
        for i, word in enumerate(words):
            for entry in self.by_first.get(word, ()):
                if tuple(words[i : i + len(entry)]) == entry:
                    return " ".join(entry)
        return None

    def reason(self, taskmap: TaskMap) -> str | None:
        """Why the task is dangerous (`title: chainsaw`, `step 3: ...`), or None."""
        found = self.match(taskmap.title)
        if found:
            return f"title: {found}"
        for number, step in enumerate(execution_order(taskmap), start=1):
            found = self.match(step.response.speech_text)
            if found:
                return f"step {number}: {found}"
        return None


class SingleStepFilter:
    """Flags tasks with fewer than two steps (nothing to guide through)."""

    name = "single_step"

    def reason(self, taskmap: TaskMap) -> str | None:
        """`1 step` / `0 steps` when the task is too short, else None."""
        n = len(taskmap.steps)
        return None if n > 1 else f"{n} step{'s' if n != 1 else ''}"


def content_key(taskmap: TaskMap) -> str:
    """Normalised title + step text, hashed: equal for copies of the same task."""
    title = " ".join(tokens(taskmap.title))
    body = " ".join(" ".join(tokens(s.response.speech_text)) for s in execution_order(taskmap))
    return hashlib.sha1(f"{title}\n{body}".encode()).hexdigest()


def quality(taskmap: TaskMap) -> tuple:
    """Sort key: higher is better (rating, then number of ratings, then smaller id)."""
    return (
        taskmap.rating_out_100,
        taskmap.rating_count,
        tuple(-ord(c) for c in taskmap.taskmap_id),
    )


@dataclass
class FilterStats:
    """Per-filter counts (overall and per domain) and example reasons."""

    name: str
    passed: int = 0
    failed: int = 0
    by_domain: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    examples: list[dict] = field(default_factory=list)

    def record(self, taskmap: TaskMap, reason: str | None, max_examples: int = 50) -> None:
        """Count one decision."""
        verdict = "failed" if reason else "passed"
        setattr(self, verdict, getattr(self, verdict) + 1)
        self.by_domain[taskmap.domain_name or "?"][verdict] += 1
        if reason and len(self.examples) < max_examples:
            self.examples.append(
                {
                    "taskmap_id": taskmap.taskmap_id,
                    "title": taskmap.title,
                    "url": taskmap.source_url,
                    "reason": reason,
                }
            )

    def as_dict(self) -> dict:
        """JSON-ready summary."""
        return {
            "filter": self.name,
            "passed": self.passed,
            "failed": self.failed,
            "by_domain": {d: dict(c) for d, c in sorted(self.by_domain.items())},
            "examples": self.examples,
        }


def filter_taskmaps(
    source: Callable[[], Iterable[TaskMap]],
    dangerous: DangerousFilter | None = None,
) -> tuple[Iterator[TaskMap], dict[str, FilterStats]]:
    """Run every filter; returns (kept tasks in input order, stats per filter).

    `source` is called twice (two streaming passes, so memory holds one key per task, not the
    tasks): pass 1 applies the per-task filters and picks the best copy of each duplicate
    group among the survivors; pass 2 yields the survivors that are their group's best copy.
    """
    dangerous = dangerous or DangerousFilter()
    single = SingleStepFilter()
    stats = {n: FilterStats(n) for n in ("dangerous", "single_step", "duplicates", "composed")}
    best: dict[str, tuple[tuple, str]] = {}
    survivors_reasons: dict[str, str | None] = {}
    for taskmap in source():
        reasons = {
            "dangerous": dangerous.reason(taskmap),
            "single_step": single.reason(taskmap),
        }
        for name, reason in reasons.items():
            stats[name].record(taskmap, reason)
        if any(reasons.values()):
            survivors_reasons[taskmap.taskmap_id] = "failed"
            continue
        key = content_key(taskmap)
        rank = quality(taskmap)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, taskmap.taskmap_id)
    winners = {tid for _, tid in best.values()}

    def kept() -> Iterator[TaskMap]:
        for taskmap in source():
            if survivors_reasons.get(taskmap.taskmap_id) == "failed":
                stats["composed"].record(taskmap, "failed another filter")
                continue
            if taskmap.taskmap_id in winners:
                winners.discard(taskmap.taskmap_id)  # a repeated id is a duplicate too
                stats["duplicates"].record(taskmap, None)
                stats["composed"].record(taskmap, None)
                yield taskmap
            else:
                stats["duplicates"].record(taskmap, "duplicate of a better-rated copy")
                stats["composed"].record(taskmap, "duplicate")

    return kept(), stats
