"""The link features: one function for training, backtests and serving.

The reference's six (research-mwaddlink's `get_feature_set`,
docs/references.md#mwaddlink): n-gram length, frequency, ambiguity, kurtosis,
embedding cosine, Jaro similarity. The `extended` set adds three anchor statistics the reference
does not use: commonness (this target's share of the anchor's links), the anchor's link
probability, and the candidate's rank by frequency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import Jaro

REFERENCE_FEATURES = ("ngram", "freq", "ambig", "kurtosis", "w2v", "jaro")
EXTENDED_FEATURES = REFERENCE_FEATURES + ("commonness", "link_probability", "rank")
FEATURE_SETS = {"reference": REFERENCE_FEATURES, "extended": EXTENDED_FEATURES}
MAX_CANDIDATES = 10
_KURTOSIS_LENGTH = 1000


def kurtosis_of_counts(counts: np.ndarray) -> float:
    """`scipy.stats.kurtosis` (Fisher, biased) of the counts padded with 1s to 1000 values.

    Closed form over the padding, so it costs the same for 1 or 1000 candidates. All-equal
    values give NaN, as scipy does (XGBoost treats it as missing).
    """
    counts = np.asarray(counts, dtype=np.float64)
    n = max(len(counts), _KURTOSIS_LENGTH)
    ones = n - len(counts)
    mean = (counts.sum() + ones) / n
    centred = counts - mean
    pad = 1.0 - mean
    m2 = (np.sum(centred**2) + ones * pad**2) / n
    m4 = (np.sum(centred**4) + ones * pad**4) / n
    if m2 <= 1e-12 * max(mean * mean, 1.0):
        return float("nan")
    return float(m4 / (m2 * m2) - 3.0)


@dataclass(frozen=True, slots=True)
class AnchorEntry:
    """One anchor's candidates, ready for feature computation.

    `targets` are sorted by count (descending), then title; only the first `MAX_CANDIDATES`
    are ever scored, as in the reference.
    """

    targets: tuple[str, ...]
    counts: np.ndarray
    ambiguity: int
    kurtosis: float
    total: float
    link_probability: float


def make_entry(targets: dict[str, int], link_probability: float = float("nan")) -> AnchorEntry:
    """Build an `AnchorEntry` from `{target: count}`."""
    ordered = sorted(targets.items(), key=lambda item: (-item[1], item[0]))
    counts = np.array([c for _, c in ordered], dtype=np.float64)
    return AnchorEntry(
        targets=tuple(t for t, _ in ordered),
        counts=counts,
        ambiguity=len(ordered),
        kurtosis=kurtosis_of_counts(counts),
        total=float(counts.sum()),
        link_probability=link_probability,
    )


def cosine(source: np.ndarray | None, target: np.ndarray | None) -> float:
    """Cosine of two vectors; 0 when either is missing, zero or the result is not finite."""
    if source is None or target is None:
        return 0.0
    norm = float(np.linalg.norm(source) * np.linalg.norm(target))
    if norm == 0.0:
        return 0.0
    value = float(np.dot(source, target) / norm)
    return value if np.isfinite(value) else 0.0


def candidate_features(
    mention_key: str,
    n_tokens: int,
    entry: AnchorEntry,
    source_vector: np.ndarray | None,
    target_vectors: list[np.ndarray | None],
    feature_set: str = "extended",
) -> np.ndarray:
    """Feature rows for the first `len(target_vectors)` candidates of one mention.

    Args:
        mention_key: the lower-cased mention (the anchor key).
        n_tokens: its number of word tokens.
        entry: the anchor's candidates.
        source_vector: the linking article's vector (None if it has none).
        target_vectors: the vectors of `entry.targets[:k]` (None where missing).
        feature_set: `"reference"` (6 columns) or `"extended"` (9 columns).

    Returns:
        A float32 array of shape `(k, n_features)`, columns in `FEATURE_SETS[feature_set]` order.
    """
    names = FEATURE_SETS[feature_set]
    k = len(target_vectors)
    rows = np.empty((k, len(names)), dtype=np.float32)
    rows[:, 0] = n_tokens
    rows[:, 1] = entry.counts[:k]
    rows[:, 2] = entry.ambiguity
    rows[:, 3] = entry.kurtosis
    for index in range(k):
        rows[index, 4] = cosine(source_vector, target_vectors[index])
        rows[index, 5] = Jaro.similarity(mention_key, entry.targets[index].lower())
    if len(names) > 6:
        rows[:, 6] = entry.counts[:k] / entry.total
        rows[:, 7] = entry.link_probability
        rows[:, 8] = np.arange(k)
    return rows
