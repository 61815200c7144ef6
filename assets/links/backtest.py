"""backtest: micro precision and recall at thresholds 0.0-0.9, reference-style and held-out,
and the blocking check that gates publishing.
"""

import base64

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq

from partitions import wiki_partitions
from resources.storage import Artifacts, DataStore
from wikiforge.links.backtest import eval_csv, run_backtest
from wikiforge.links.model import LinkModel
from wikiforge.links.report import precision_recall_svg
from wikiforge.links.stored import index_from_stored, sentence_pairs
from wikiforge.links.tables import BACKTEST_SCHEMA
from wikiforge.storage import StoredAsset

MIN_PRECISION = 0.75
MIN_RECALL = 0.20
GATE_THRESHOLD = 0.5


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"python", "xgboost", "csv"},
    code_version="1",
)
def backtest(
    context: dg.AssetExecutionContext,
    pages: StoredAsset,
    pageids: StoredAsset,
    redirects: StoredAsset,
    links: StoredAsset,
    anchors_filtered: StoredAsset,
    embeddings: StoredAsset,
    sentences: StoredAsset,
    link_model: StoredAsset,
) -> dg.Output[Artifacts]:
    """The reference's protocol: remove the links of each test sentence, recommend, compare the
    (anchor, target) pairs; micro precision and recall at thresholds 0.0 to 0.9.

    Two modes from the same model: `reference` relinks the test half of the first sentences of
    articles whose links and text fed the anchors and embeddings (as the reference does, which
    flatters it); `heldout` relinks the first sentences of the held-out articles, kept out of
    everything the model learned from. Files: `<wiki>.backtest.eval.csv` (the reference's
    layout), `<wiki>.backtest.heldout.eval.csv`, `backtest.parquet`, `backtest.svg`.
    """
    wiki = context.partition_key
    index = index_from_stored(wiki, pages, pageids, redirects, links, anchors_filtered, embeddings)
    model = LinkModel.load(link_model.path(f"{wiki}.linkmodel.json"))
    results = {
        "reference": run_backtest(sentence_pairs(sentences, "test"), index, model),
        "heldout": run_backtest(sentence_pairs(sentences, "heldout"), index, model),
    }
    art = Artifacts()
    art.path(f"{wiki}.backtest.eval.csv").write_text(eval_csv(results["reference"]))
    art.path(f"{wiki}.backtest.heldout.eval.csv").write_text(eval_csv(results["heldout"]))
    columns = {name: [] for name in BACKTEST_SCHEMA.names}
    for mode, rows in results.items():
        for row in rows:
            columns["mode"].append(mode)
            for name in BACKTEST_SCHEMA.names[1:]:
                columns[name].append(getattr(row, name))
    table = pa.table(columns, schema=BACKTEST_SCHEMA)
    pq.write_table(table, art.path("backtest.parquet"))
    art.rows = table.num_rows
    svg = precision_recall_svg(results, f"{wiki} backtest")
    art.path("backtest.svg").write_text(svg)
    encoded = base64.b64encode(svg.encode()).decode()
    metadata = {
        "plot": dg.MetadataValue.md(f"![precision/recall](data:image/svg+xml;base64,{encoded})")
    }
    for mode, rows in results.items():
        at_gate = next(r for r in rows if r.threshold == GATE_THRESHOLD)
        metadata[f"{mode}_precision_at_0.5"] = round(at_gate.precision, 4)
        metadata[f"{mode}_recall_at_0.5"] = round(at_gate.recall, 4)
        metadata[f"{mode}_sentences"] = at_gate.number_of_sentences
    metadata["table"] = dg.MetadataValue.md(
        "| mode | threshold | sentences | precision | recall |\n|---|---|---|---|---|\n"
        + "\n".join(
            f"| {m} | {r.threshold} | {r.number_of_sentences} | {r.precision:.3f} | {r.recall:.3f} |"
            for m, rows in results.items()
            for r in rows
        )
    )
    return dg.Output(art, metadata=metadata)


@dg.asset_check(
    asset=backtest,
    blocking=True,
    description="Precision >= 0.75 and recall >= 0.20 at threshold 0.5 (the reference's bar).",
)
def backtest_meets_bar(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """The reference publishes a wiki's model only above this bar, measured by its own protocol
    (the `reference` mode); `link_datasets` is built only when it holds. The held-out figures are
    reported beside it.
    """
    stored = store.require("backtest", context.partition_key)
    rows = pq.read_table(stored.path("backtest.parquet")).to_pylist()
    at = {r["mode"]: r for r in rows if r["threshold"] == GATE_THRESHOLD}
    reference = at["reference"]
    passed = (
        reference["number_of_sentences"] > 0
        and reference["precision"] >= MIN_PRECISION
        and reference["recall"] >= MIN_RECALL
    )
    return dg.AssetCheckResult(
        passed=bool(passed),
        metadata={
            "precision": reference["precision"],
            "recall": reference["recall"],
            "sentences": reference["number_of_sentences"],
            "heldout_precision": at["heldout"]["precision"],
            "heldout_recall": at["heldout"]["recall"],
        },
    )
