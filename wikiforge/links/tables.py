"""Arrow schemas of the links line's tables and the pure batch functions that fill them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyarrow as pa

from wikiforge.links.embeddings import DIMENSIONS
from wikiforge.links.features import EXTENDED_FEATURES
from wikiforge.links.redirects import resolve_target
from wikiforge.wikitext.links import extract_links
from wikiforge.wikitext.tokens import anchor_key

PAGEIDS_SCHEMA = pa.schema(
    [
        pa.field("title", pa.string(), nullable=False),
        pa.field("page_id", pa.int64(), nullable=False),
    ]
)
REDIRECTS_SCHEMA = pa.schema(
    [
        pa.field("title", pa.string(), nullable=False),
        pa.field("target", pa.string(), nullable=False),
        pa.field("target_exists", pa.bool_(), nullable=False),
    ]
)
LINKS_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("source_id", pa.int64(), nullable=False),
        pa.field("anchor", pa.string(), nullable=False),
        pa.field("anchor_key", pa.string(), nullable=False),
        pa.field("target", pa.string(), nullable=False),
        pa.field("target_raw", pa.string(), nullable=False),
        pa.field("position", pa.int64(), nullable=False),
        pa.field("target_exists", pa.bool_(), nullable=False),
    ]
)
ANCHORS_SCHEMA = pa.schema(
    [
        pa.field("anchor", pa.string(), nullable=False),
        pa.field("target", pa.string(), nullable=False),
        pa.field("sources", pa.int64(), nullable=False),
        pa.field("link_probability", pa.float64(), nullable=False),
    ]
)
P31_SCHEMA = pa.schema(
    [
        pa.field("title", pa.string(), nullable=False),
        pa.field("qid", pa.string(), nullable=False),
        pa.field("p31", pa.string(), nullable=False),
    ]
)
EMBEDDINGS_SCHEMA = pa.schema(
    [
        pa.field("title", pa.string(), nullable=False),
        pa.field("vector", pa.list_(pa.float32(), DIMENSIONS), nullable=False),
    ]
)
SENTENCES_SCHEMA = pa.schema(
    [
        pa.field("page_title", pa.string(), nullable=False),
        pa.field("sentence", pa.string(), nullable=False),
        pa.field("split", pa.string(), nullable=False),  # train | test | heldout
        pa.field("sentence_index", pa.int32(), nullable=False),  # 0: the first linked one
    ]
)
TRAINING_SCHEMA = pa.schema(
    [
        pa.field("page", pa.string(), nullable=False),
        pa.field("mention", pa.string(), nullable=False),
        pa.field("candidate", pa.string(), nullable=False),
        *[pa.field(name, pa.float32()) for name in EXTENDED_FEATURES],
        pa.field("label", pa.int8(), nullable=False),
    ]
)
BACKTEST_SCHEMA = pa.schema(
    [
        pa.field("mode", pa.string(), nullable=False),
        pa.field("threshold", pa.float64(), nullable=False),
        pa.field("number_of_sentences", pa.int64(), nullable=False),
        pa.field("precision", pa.float64(), nullable=False),
        pa.field("recall", pa.float64(), nullable=False),
        pa.field("true_positives", pa.int64(), nullable=False),
        pa.field("predicted", pa.int64(), nullable=False),
        pa.field("gold", pa.int64(), nullable=False),
        # Gold pairs among the recommender's candidates (the same on every row of a mode).
        pa.field("gold_in_candidates", pa.int64(), nullable=False),
    ]
)


#: What the links map writes: every link with its target normalised but not yet resolved.
FOUND_LINKS_SCHEMA = pa.schema([f for f in LINKS_SCHEMA if f.name != "target_exists"])

#: Over ``found`` (the map's rows), ``pageids`` and ``redirects`` (chains already followed): the
#: `links` table. A target that is an article stays; one that is a redirect becomes the redirect's
#: final target (even when the dump does not hold it: a partial dump); any other stays as written.
#: A join, not a dictionary in every worker, so memory does not grow with the wiki.
LINKS_RESOLVE_SQL = """
SELECT f.source, f.source_id, f.anchor, f.anchor_key,
       CASE WHEN a.title IS NULL AND r.target IS NOT NULL THEN r.target ELSE f.target END
           AS target,
       f.target_raw, f.position,
       (a.title IS NOT NULL OR ra.title IS NOT NULL) AS target_exists
FROM found f
LEFT JOIN pageids a ON a.title = f.target
LEFT JOIN redirects r ON r.title = f.target
LEFT JOIN pageids ra ON ra.title = r.target
ORDER BY f.source_id, f.position
"""


def found_links_of_batch(
    batch: pa.RecordBatch,
    *,
    language_code: str,
    prefixes: frozenset[str],
    capitalize: bool = True,
) -> pa.RecordBatch:
    """Every wikilink of the main-namespace articles of a batch of `pages` rows, its target
    normalised (resolution through redirects is `LINKS_RESOLVE_SQL`'s join).

    Links to other namespaces or wikis and invalid targets are left out.
    """
    columns: dict[str, list] = {name: [] for name in FOUND_LINKS_SCHEMA.names}
    rows = batch.select(["page_id", "namespace", "title", "redirect", "text"]).to_pylist()
    for row in rows:
        if row["namespace"] != 0 or row["redirect"]:
            continue
        for link in extract_links(row["text"] or "", language_code, capitalize):
            if link.target is None:
                continue
            head, colon, _ = link.target.partition(":")
            if colon and head.strip().lower() in prefixes:
                continue
            columns["source"].append(row["title"])
            columns["source_id"].append(row["page_id"])
            columns["anchor"].append(link.anchor)
            columns["anchor_key"].append(anchor_key(link.anchor, language_code))
            columns["target"].append(link.target)
            columns["target_raw"].append(link.target_raw)
            columns["position"].append(link.offset)
    return pa.RecordBatch.from_pydict(columns, schema=FOUND_LINKS_SCHEMA)


def links_of_batch(
    batch: pa.RecordBatch,
    *,
    language_code: str,
    prefixes: frozenset[str],
    redirects: Mapping[str, str],
    articles: frozenset[str],
    capitalize: bool = True,
) -> pa.RecordBatch:
    """`found_links_of_batch` resolved in memory through the redirect dictionary: the reference
    the tests hold `LINKS_RESOLVE_SQL`'s join to (the asset itself uses the join).
    """
    found = found_links_of_batch(
        batch, language_code=language_code, prefixes=prefixes, capitalize=capitalize
    )
    targets = found.column("target").to_pylist()
    resolved = [resolve_target(t, redirects, articles, allow_unknown=True) for t in targets]
    columns = {name: found.column(name) for name in FOUND_LINKS_SCHEMA.names}
    columns["target"] = pa.array(resolved, pa.string())
    columns["target_exists"] = pa.array([t in articles for t in resolved], pa.bool_())
    return pa.RecordBatch.from_pydict(
        {name: columns[name] for name in LINKS_SCHEMA.names}, schema=LINKS_SCHEMA
    )


def anchors_table(
    anchors: Mapping[str, Mapping[str, int]], link_probability: Mapping[str, float]
) -> pa.Table:
    """`{anchor: {target: sources}}` as rows sorted by anchor, then target."""
    names, targets, sources, probabilities = [], [], [], []
    for key in sorted(anchors):
        for target in sorted(anchors[key]):
            names.append(key)
            targets.append(target)
            sources.append(int(anchors[key][target]))
            probabilities.append(float(link_probability.get(key, 1.0)))
    return pa.table(
        {"anchor": names, "target": targets, "sources": sources, "link_probability": probabilities},
        schema=ANCHORS_SCHEMA,
    )


def anchors_from_table(table: pa.Table) -> tuple[dict[str, dict[str, int]], dict[str, float]]:
    """The inverse of `anchors_table`."""
    anchors: dict[str, dict[str, int]] = {}
    probability: dict[str, float] = {}
    columns = table.to_pydict()
    for key, target, count, p in zip(
        columns["anchor"],
        columns["target"],
        columns["sources"],
        columns["link_probability"],
        strict=True,
    ):
        anchors.setdefault(key, {})[target] = count
        probability[key] = p
    return anchors, probability


def pairs(table: pa.Table, key: str, value: str) -> dict:
    """Two columns of a table as a dict."""
    columns = table.select([key, value]).to_pydict()
    return dict(zip(columns[key], columns[value], strict=True))


def group_p31(rows: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """`(title, p31)` rows grouped by title."""
    grouped: dict[str, list[str]] = {}
    for title, qid in rows:
        grouped.setdefault(title, []).append(qid)
    return grouped
