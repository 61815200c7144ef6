"""link_model: the XGBoost link classifier, saved as JSON with its sha256."""

import dagster as dg
import numpy as np

from partitions import wiki_partitions
from resources.storage import Artifacts
from wikiforge.links.features import EXTENDED_FEATURES
from wikiforge.links.model import NUM_BOOST_ROUNDS, XGBOOST_PARAMS, LinkModel
from wikiforge.storage import StoredAsset


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"xgboost", "json"},
    code_version="1",
)
def link_model(
    context: dg.AssetExecutionContext, training_set: StoredAsset
) -> dg.Output[Artifacts]:
    """XGBoost classifier over the training set (regularised hyper-parameters,
    `wikiforge.links.model.XGBOOST_PARAMS`: shallower trees, a smaller learning rate and more
    rounds than the reference's defaults; single-threaded so the file is reproducible), written as `<wiki>.linkmodel.json` with a
    `.checksum` file in `shasum -a 256` format.
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
    model = LinkModel.train(features, labels, "extended")
    art = Artifacts(rows=len(labels))
    name = f"{wiki}.linkmodel.json"
    digest = model.save(art.path(name))
    art.path(f"{name}.checksum").write_text(f"{digest}  {name}\n")
    art.stats = {
        "model_sha256": digest,
        "features": list(EXTENDED_FEATURES),
        "rounds": NUM_BOOST_ROUNDS,
        "params": dict(XGBOOST_PARAMS),
    }
    return dg.Output(art)
