"""The XGBoost link classifier: training, JSON persistence with sha256, scoring."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wikiforge.links.features import FEATURE_SETS
from wikiforge.storage import sha256_file

# The reference trains `XGBClassifier()` with every hyper-parameter at its default (depth 6,
# eta 0.3, 100 rounds). Small wikis give a few hundred training rows, on which those trees
# overfit; shallower, slower-learning, regularised trees held precision at equal recall on the
# sample wikis (bench/links_quality.py). Single-threaded so the model file is reproducible.
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


class LinkModel:
    """A trained classifier and the feature set it expects."""

    def __init__(self, booster, feature_set: str) -> None:
        self.booster = booster
        self.feature_set = feature_set

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

    def save(self, path: Path) -> str:
        """Write the model as XGBoost JSON; returns its sha256."""
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
        return cls(booster, feature_set)

    def score(self, features: np.ndarray) -> np.ndarray:
        """Link probabilities of feature rows."""
        if len(features) == 0:
            return np.zeros(0, dtype=np.float32)
        return self.booster.inplace_predict(features, validate_features=False)
