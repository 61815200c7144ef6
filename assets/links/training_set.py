"""training_set: the six reference features (and three more) and the label of every
(mention, candidate) of the training sentences."""

import dagster as dg
import pyarrow as pa

from partitions import wiki_partitions
from resources.storage import table_schema
from wikiforge.links.features import EXTENDED_FEATURES
from wikiforge.links.stored import index_from_stored, sentence_pairs
from wikiforge.links.tables import TRAINING_SCHEMA
from wikiforge.links.training import training_rows
from wikiforge.storage import StoredAsset


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"python", "parquet"},
    metadata=table_schema(TRAINING_SCHEMA),
    code_version="1",
)
def training_set(
    context: dg.AssetExecutionContext,
    pages: StoredAsset,
    pageids: StoredAsset,
    redirects: StoredAsset,
    links: StoredAsset,
    anchors_filtered: StoredAsset,
    embeddings: StoredAsset,
    sentences: StoredAsset,
) -> dg.Output[pa.Table]:
    """One row per mention and candidate of the training sentences: n-gram length, frequency,
    ambiguity, kurtosis, embedding cosine, Jaro similarity (the reference's six), commonness,
    link probability and rank, and the label (1 when the candidate is the sentence's link).
    The same feature function scores candidates when serving."""
    index = index_from_stored(
        context.partition_key, pages, pageids, redirects, links, anchors_filtered, embeddings
    )
    train = sentence_pairs(sentences, "train")
    rows = training_rows(train, index, "extended")
    columns = {"page": rows.pages, "mention": rows.mentions, "candidate": rows.candidates}
    for position, name in enumerate(EXTENDED_FEATURES):
        columns[name] = rows.features[:, position] if len(rows.labels) else []
    columns["label"] = rows.labels
    table = pa.table(columns, schema=TRAINING_SCHEMA)
    return dg.Output(
        table,
        metadata={"sentences": len(train), "positives": int(rows.labels.sum()),
                  "negatives": int(len(rows.labels) - rows.labels.sum())},
    )
