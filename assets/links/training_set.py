"""training_set: the six reference features (and three more) and the label of every
(mention, candidate) of the training sentences."""

import functools

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from partitions import wiki_partitions
from resources.engine import Engine
from resources.storage import table_schema
from wikiforge.links.mapped import TRAINING_SQL, training_rows_of
from wikiforge.links.stored import index_from_stored
from wikiforge.links.tables import TRAINING_SCHEMA
from wikiforge.storage import StoredAsset


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"python", "spark", "parquet"},
    metadata=table_schema(TRAINING_SCHEMA),
    code_version="1",
)
def training_set(
    context: dg.AssetExecutionContext,
    engine: Engine,
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
    The same feature function scores candidates when serving. The rows are made by a map over
    the sentences on the engine resource (each worker gets the index once)."""
    index = index_from_stored(
        context.partition_key, pages, pageids, redirects, links, anchors_filtered, embeddings
    )
    rows_of = functools.partial(training_rows_of, index=index)
    with engine.stage(rows_of, sentences, TRAINING_SCHEMA, batch_size=500,
                      columns=["page_title", "sentence", "split"]) as training:
        table = engine.sql_table(TRAINING_SQL, TRAINING_SCHEMA, training=training)
    train = pc.sum(pc.equal(sentences.table(["split"]).column("split"), "train")).as_py() or 0
    positives = int(pc.sum(table.column("label")).as_py() or 0)
    return dg.Output(
        table,
        metadata={"sentences": train, "positives": positives,
                  "negatives": table.num_rows - positives, "engine": engine.kind},
    )
