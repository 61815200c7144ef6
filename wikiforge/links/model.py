"""The XGBoost link classifier: training, calibration, JSON persistence with sha256, scoring.

The calibration map (`wikiforge.links.calibration`) is stored inside the model's JSON as a
booster attribute, so the published file alone gives calibrated scores.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wikiforge.links.calibration import Calibration, fit_isotonic
from wikiforge.links.features import FEATURE_SETS
from wikiforge.storage import sha256_file

# The reference trains `XGBClassifier()` with every hyper-parameter at its default (depth 6,
# eta 0.3, 100 rounds). Small wikis give a few hundred training rows, on which those trees
# overfit; shallower, slower-learning, regularised trees held precision at equal recall on the
# sample wikis. Single-threaded so the model file is reproducible.
XGBOOST_PARAMS = {
    "objective": "binary:logistic",
    "max_depth": 4,
    "eta": 0.1,
    "min_child_weight": 3,
    "lambda": 5,
    "tree_method": "hist",
    "nthread": 1,
    "seed": 7,
    "eval_metric": "logloss",
}
NUM_BOOST_ROUNDS = 150
# XGBClassifier's defaults, as the reference trains (for comparisons).
REFERENCE_PARAMS = {"max_depth": 6, "eta": 0.3, "min_child_weight": 1, "lambda": 1}
REFERENCE_ROUNDS = 100
#: Folds of the out-of-fold predictions the calibration is fitted on (grouped by article).
CALIBRATION_FOLDS = 5
_CALIBRATION_ATTRIBUTE = "wikiforge_calibration"


class LinkModel:
    """A trained classifier and the feature set it expects."""

    def __init__(self, booster, feature_set: str, calibration: Calibration | None = None) -> None:
        self.booster = booster
        self.feature_set = feature_set
        self.calibration = calibration

    @classmethod
    def train(
        cls,
        features: np.ndarray,
        labels: np.ndarray,
        feature_set: str = "extended",
        rounds: int = NUM_BOOST_ROUNDS,
        params: dict | None = None,
    ) -> LinkModel:
        """Fit on feature rows and 0/1 labels (needs at least one row of each label).

        `params` override `XGBOOST_PARAMS` (e.g. `REFERENCE_PARAMS` to compare with the
        reference's defaults).
        """
        import xgboost

        if len(labels) == 0 or labels.min() == labels.max():
            raise ValueError("training needs positive and negative rows")
        names = list(FEATURE_SETS[feature_set])
        matrix = xgboost.DMatrix(features, label=labels, feature_names=names)
        booster = xgboost.train(
            {**XGBOOST_PARAMS, **(params or {})}, matrix, num_boost_round=rounds
        )
        return cls(booster, feature_set)

    @classmethod
    def train_calibrated(
        cls,
        features: np.ndarray,
        labels: np.ndarray,
        groups: np.ndarray,
        feature_set: str = "extended",
        rounds: int = NUM_BOOST_ROUNDS,
        params: dict | None = None,
        folds: int = CALIBRATION_FOLDS,
    ) -> tuple[LinkModel, np.ndarray]:
        """Fit on all rows, with an isotonic calibration fitted on out-of-fold raw scores.

        The folds split by `groups` (the article of each row), so no article's rows score
        themselves. Returns the model and the out-of-fold raw scores (for the metadata).
        """
        from sklearn.model_selection import GroupKFold

        model = cls.train(features, labels, feature_set, rounds, params)
        out_of_fold = np.zeros(len(labels), dtype=np.float64)
        splits = min(folds, len(np.unique(groups)))
        if splits < 2:
            return model, out_of_fold
        for fit_rows, score_rows in GroupKFold(n_splits=splits).split(features, labels, groups):
            fit_labels = labels[fit_rows]
            if fit_labels.min() == fit_labels.max():
                out_of_fold[score_rows] = float(fit_labels[0])
                continue
            fold = cls.train(features[fit_rows], fit_labels, feature_set, rounds, params)
            out_of_fold[score_rows] = fold.raw_score(features[score_rows])
        model.calibration = fit_isotonic(out_of_fold, labels)
        return model, out_of_fold

    def save(self, path: Path) -> str:
        """Write the model (and its calibration) as XGBoost JSON; returns its sha256."""
        if self.calibration is not None:
            self.booster.set_attr(**{_CALIBRATION_ATTRIBUTE: self.calibration.to_json()})
        self.booster.save_model(str(path))
        return sha256_file(path)

    @classmethod
    def load(cls, path: Path) -> LinkModel:
        """Load an XGBoost JSON model; the feature set follows from its number of features."""
        import xgboost

        booster = xgboost.Booster()
        booster.load_model(str(path))
        booster.set_param({"nthread": 1})
        count = booster.num_features()
        feature_set = next(name for name, cols in FEATURE_SETS.items() if len(cols) == count)
        stored = booster.attr(_CALIBRATION_ATTRIBUTE)
        calibration = Calibration.from_json(stored) if stored else None
        return cls(booster, feature_set, calibration)

    def raw_score(self, features: np.ndarray) -> np.ndarray:
        """The booster's own scores of feature rows."""
        if len(features) == 0:
            return np.zeros(0, dtype=np.float32)
        return self.booster.inplace_predict(features, validate_features=False)

    def score(self, features: np.ndarray) -> np.ndarray:
        """Link probabilities of feature rows (calibrated when the model has a calibration)."""
        raw = self.raw_score(features)
        if self.calibration is None or len(raw) == 0:
            return raw
        return self.calibration.apply(raw)
