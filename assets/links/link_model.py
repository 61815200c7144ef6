"""link_model: the XGBoost link classifier with its score calibration, saved as JSON with its
sha256.
"""

import dagster as dg
import numpy as np

from assets.code_version import step_version
from partitions import wiki_partitions
from resources.storage import Artifacts
from wikiforge.links.calibration import brier_score, expected_calibration_error, reliability_bins
from wikiforge.links.features import EXTENDED_FEATURES
from wikiforge.links.model import CALIBRATION_FOLDS, NUM_BOOST_ROUNDS, XGBOOST_PARAMS, LinkModel
from wikiforge.links.report import markdown_image, reliability_png
from wikiforge.storage import StoredAsset


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"xgboost", "json"},
    code_version=step_version(__name__),
)
def link_model(
    context: dg.AssetExecutionContext, training_set: StoredAsset
) -> dg.Output[Artifacts]:
    """XGBoost classifier over the training set (regularised hyper-parameters,
    `wikiforge.links.model.XGBOOST_PARAMS`: shallower trees, a smaller learning rate and more
    rounds than the reference's defaults; single-threaded so the file is reproducible), written
    as `<wiki>.linkmodel.json` with a `.checksum` file in `shasum -a 256` format.

    The served score is calibrated: an isotonic map fitted on out-of-fold scores of the training
    rows (folds by article), stored in the model's JSON. The metadata gives the Brier score and
    expected calibration error of the out-of-fold scores before and after the map, and a
    reliability plot (the held-out articles' calibration is in `backtest`).
    """
    wiki = context.partition_key
    table = training_set.table()
    features = np.column_stack(
        [table.column(name).to_numpy(zero_copy_only=False) for name in EXTENDED_FEATURES]
    ).astype(np.float32)
    labels = table.column("label").to_numpy()
    if len(labels) == 0 or labels.min() == labels.max():
        raise dg.Failure(
            f"{wiki}: the training set needs positive and negative rows "
            f"(rows={len(labels)}, positives={int(labels.sum()) if len(labels) else 0})"
        )
    groups = np.asarray(table.column("page").to_pylist())
    model, out_of_fold = LinkModel.train_calibrated(features, labels, groups, "extended")
    calibrated = (
        model.calibration.apply(out_of_fold) if model.calibration is not None else out_of_fold
    )
    art = Artifacts(rows=len(labels))
    name = f"{wiki}.linkmodel.json"
    digest = model.save(art.path(name))
    art.path(f"{name}.checksum").write_text(f"{digest}  {name}\n")
    curves = {
        "raw": reliability_bins(out_of_fold, labels),
        "calibrated": reliability_bins(calibrated, labels),
    }
    plot = reliability_png(curves, f"{wiki}: out-of-fold reliability")
    art.path("reliability.png").write_bytes(plot)
    art.stats = {
        "model_sha256": digest,
        "features": list(EXTENDED_FEATURES),
        "rounds": NUM_BOOST_ROUNDS,
        "params": dict(XGBOOST_PARAMS),
        "calibration": "isotonic" if model.calibration is not None else "none",
        "calibration_folds": CALIBRATION_FOLDS,
        "out_of_fold_brier_raw": round(brier_score(out_of_fold, labels), 4),
        "out_of_fold_brier_calibrated": round(brier_score(calibrated, labels), 4),
        "out_of_fold_ece_raw": round(expected_calibration_error(out_of_fold, labels), 4),
        "out_of_fold_ece_calibrated": round(expected_calibration_error(calibrated, labels), 4),
        "calibration_curve": curves["calibrated"],
    }
    return dg.Output(
        art,
        metadata={"reliability_plot": dg.MetadataValue.md(markdown_image(plot, "reliability"))},
    )
