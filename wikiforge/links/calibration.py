"""Calibrated link scores: isotonic regression fitted on out-of-fold predictions, and the
measures of calibration (Brier score, expected calibration error, reliability bins).

A raw XGBoost score depends on the wiki (a small, unbalanced training set squeezes it), so a
threshold would mean something different on every wiki. Mapped through a monotone calibration
fitted on predictions for articles the booster did not see, the served score estimates the
probability that the link is right, and a threshold means the same everywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

#: Equal-width score bins of the reliability curve and the expected calibration error.
BINS = 10


@dataclass(frozen=True)
class Calibration:
    """A monotone, piecewise-linear map from raw score to probability (isotonic steps)."""

    raw: np.ndarray
    calibrated: np.ndarray
    method: str = "isotonic"

    def apply(self, scores: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of raw scores (clipped at the fitted range's ends)."""
        return np.interp(scores, self.raw, self.calibrated).astype(np.float32)

    def to_json(self) -> str:
        """The map as JSON (stored inside the model file)."""
        return json.dumps(
            {
                "method": self.method,
                "raw": [float(v) for v in self.raw],
                "calibrated": [float(v) for v in self.calibrated],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        """Read a map written by `to_json`."""
        found = json.loads(text)
        return cls(
            np.asarray(found["raw"], dtype=np.float64),
            np.asarray(found["calibrated"], dtype=np.float64),
            found.get("method", "isotonic"),
        )


def fit_isotonic(scores: np.ndarray, labels: np.ndarray) -> Calibration:
    """Isotonic regression of labels on scores (scikit-learn's PAV), as an interpolation table."""
    from sklearn.isotonic import IsotonicRegression

    fitted = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(
        np.asarray(scores, dtype=np.float64), np.asarray(labels, dtype=np.float64)
    )
    return Calibration(
        np.asarray(fitted.X_thresholds_, dtype=np.float64),
        np.asarray(fitted.y_thresholds_, dtype=np.float64),
    )


def brier_score(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean squared error of the probabilities against 0/1 labels (0.0 for no rows)."""
    if len(labels) == 0:
        return 0.0
    diff = np.asarray(probabilities, dtype=np.float64) - np.asarray(labels, dtype=np.float64)
    return float(np.mean(diff * diff))


def reliability_bins(
    probabilities: np.ndarray, labels: np.ndarray, bins: int = BINS
) -> list[dict[str, float]]:
    """Per equal-width score bin with rows: its range, rows, mean score and share of positives."""
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    which = np.minimum((p * bins).astype(int), bins - 1)
    found = []
    for number in range(bins):
        inside = which == number
        count = int(inside.sum())
        if count:
            found.append(
                {
                    "lower": number / bins,
                    "upper": (number + 1) / bins,
                    "rows": count,
                    "mean_score": float(p[inside].mean()),
                    "positive_rate": float(y[inside].mean()),
                }
            )
    return found


def expected_calibration_error(
    probabilities: np.ndarray, labels: np.ndarray, bins: int = BINS
) -> float:
    """The rows-weighted mean gap between mean score and share of positives over equal-width
    bins (0.0 for no rows).
    """
    total = len(labels)
    if total == 0:
        return 0.0
    return float(
        sum(
            b["rows"] * abs(b["mean_score"] - b["positive_rate"])
            for b in reliability_bins(probabilities, labels, bins)
        )
        / total
    )
