"""The links line's heavy steps as engine maps (pure, picklable per-batch functions) and the SQL
that reduces their output; the engine resource runs them in local worker processes + DuckDB, or
in Spark (``mapInArrow`` + Spark SQL). The asset files say which map and query each step uses.

Every map takes its settings as keyword arguments (bind them with ``functools.partial``) and one
record batch; it returns a batch, or an iterator of batches with a trailing stats row (see
``wikiforge.mapreduce``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pyarrow as pa

from wikiforge.links.anchors import LinkAnchorCounts, count_as_text
from wikiforge.links.features import EXTENDED_FEATURES
from wikiforge.links.index import shared_index, shared_matcher
from wikiforge.links.sentences import article_sentences, is_held_out, split_of
from wikiforge.links.tables import P31_SCHEMA, SENTENCES_SCHEMA, TRAINING_SCHEMA
from wikiforge.links.training import article_training_rows
from wikiforge.mapreduce import data_batch, stats_batch, with_stats
from wikiforge.wikidata.entities import EntityParseError, extract_claims, extract_sitelinks
from wikiforge.wikidata.reader import task_entities
from wikiforge.wikitext.plain import prose

# -- anchors: as-link counts -----------------------------------------------------------------
LEARNING_LINKS_SCHEMA = pa.schema(
    [("source", pa.string()), ("anchor_key", pa.string()), ("target", pa.string())]
)
#: Over ``learning_links``: link rows and distinct source articles per (anchor, target).
ANCHOR_TARGET_SQL = (
    "SELECT anchor_key, target, CAST(COUNT(*) AS BIGINT) AS links, "
    "CAST(COUNT(DISTINCT source) AS BIGINT) AS sources FROM learning_links "
    "GROUP BY anchor_key, target"
)
ANCHOR_TARGET_SCHEMA = pa.schema(
    [
        ("anchor_key", pa.string()),
        ("target", pa.string()),
        ("links", pa.int64()),
        ("sources", pa.int64()),
    ]
)


def learning_links(batch: pa.RecordBatch, *, wiki: str, partial: bool) -> pa.RecordBatch:
    """Map over `links` rows: the links the anchor dictionary learns from (a non-empty anchor,
    a target the dump holds unless the dump is partial, a source outside the held-out share).
    """
    columns = batch.select(["source", "anchor_key", "target", "target_exists"]).to_pydict()
    kept: dict[str, list] = {"source": [], "anchor_key": [], "target": []}
    for source, key, target, exists in zip(
        columns["source"],
        columns["anchor_key"],
        columns["target"],
        columns["target_exists"],
        strict=True,
    ):
        if key and (exists or partial) and not is_held_out(wiki, source):
            kept["source"].append(source)
            kept["anchor_key"].append(key)
            kept["target"].append(target)
    return pa.RecordBatch.from_pydict(kept, schema=LEARNING_LINKS_SCHEMA)


def anchor_counts(rows: Iterator[pa.RecordBatch]) -> LinkAnchorCounts:
    """The as-link counts from the batches of ``ANCHOR_TARGET_SQL``."""
    as_link: Counter = Counter()
    sources: dict[str, Counter] = {}
    for batch in rows:
        columns = batch.to_pydict()
        for key, target, links, n in zip(
            columns["anchor_key"],
            columns["target"],
            columns["links"],
            columns["sources"],
            strict=True,
        ):
            as_link[key] += links
            sources.setdefault(key, Counter())[target] = n
    return LinkAnchorCounts(as_link, sources)


# -- anchors: as-text counts -----------------------------------------------------------------
AS_TEXT_SCHEMA = pa.schema([("anchor_key", pa.string()), ("n", pa.int64())])
#: Over ``as_text``: plain-text occurrences per anchor.
AS_TEXT_SQL = "SELECT anchor_key, CAST(SUM(n) AS BIGINT) AS n FROM as_text GROUP BY anchor_key"


def _articles(batch: pa.RecordBatch) -> Iterator[dict]:
    """The main-namespace, non-redirect rows of a batch of `pages` rows."""
    for row in batch.to_pylist():
        if row["namespace"] == 0 and not row["redirect"]:
            yield row


def as_text_counts(
    batch: pa.RecordBatch,
    *,
    wiki: str,
    language_code: str,
    prefixes: frozenset[str],
    matcher_location: str,
) -> pa.RecordBatch:
    """Map over `pages` rows: plain-text occurrences of candidate anchors in the prose of the
    batch's learning articles (matched n-grams masked, longest first), summed per anchor. The
    candidate anchors are the matcher compiled at ``matcher_location`` (a side directory).
    """
    matcher = shared_matcher(matcher_location)
    counts: Counter = Counter()
    for row in _articles(batch):
        if not is_held_out(wiki, row["title"]):
            count_as_text(
                prose(row["text"] or "", prefixes).chunks, matcher, language_code, counts=counts
            )
    keys = sorted(counts)
    return pa.RecordBatch.from_pydict(
        {"anchor_key": keys, "n": [counts[k] for k in keys]}, schema=AS_TEXT_SCHEMA
    )


# -- sentences ---------------------------------------------------------------------------------
SENTENCES_MAP_SCHEMA = with_stats(SENTENCES_SCHEMA)
#: Over ``found``: every sentence, in the published order.
SENTENCES_SQL = (
    "SELECT page_title, sentence, split, sentence_index FROM found WHERE stats IS NULL "
    "ORDER BY page_title, sentence_index"
)


def article_sentence_rows(
    batch: pa.RecordBatch,
    *,
    wiki: str,
    prefixes: frozenset[str],
    held_out_share: float,
    seed: str,
) -> Iterator[pa.RecordBatch]:
    """Map over `pages` rows: the linked sentences of each article with their split, then a
    stats row counting the articles.
    """
    columns: dict[str, list] = {name: [] for name in SENTENCES_SCHEMA.names}
    articles = 0
    for row in _articles(batch):
        articles += 1
        for found in article_sentences(row, prefixes, wiki, held_out_share, seed):
            columns["page_title"].append(found.page_title)
            columns["sentence"].append(found.sentence)
            columns["split"].append(found.split)
            columns["sentence_index"].append(found.sentence_index)
    yield data_batch(SENTENCES_MAP_SCHEMA, columns)
    yield stats_batch(SENTENCES_MAP_SCHEMA, {"articles": articles})


# -- training rows -----------------------------------------------------------------------------
def training_rows_of(
    batch: pa.RecordBatch, *, wiki: str, index_location: str, seed: str
) -> pa.Table:
    """Map over `pages` rows: the feature rows and labels of the whole training articles of
    the batch (the `train` split, held-out share excluded), with the compiled index at
    ``index_location`` (a side directory, shared by the workers).
    """
    index = shared_index(index_location)
    articles = [
        (row["title"], row["text"] or "")
        for row in _articles(batch)
        if not is_held_out(wiki, row["title"]) and split_of(row["title"], seed) == "train"
    ]
    rows = article_training_rows(articles, index, "extended")
    out: dict[str, object] = {
        "page": rows.pages,
        "mention": rows.mentions,
        "candidate": rows.candidates,
    }
    for position, name in enumerate(EXTENDED_FEATURES):
        out[name] = rows.features[:, position] if len(rows.labels) else []
    out["label"] = rows.labels
    return pa.table(out, schema=TRAINING_SCHEMA)


#: Over ``training``: the rows as the map wrote them (input order).
TRAINING_SQL = "SELECT " + ", ".join(TRAINING_SCHEMA.names) + " FROM training"


# -- Wikidata P31 claims -----------------------------------------------------------------------
P31_MAP_SCHEMA = with_stats(P31_SCHEMA)
#: Over ``claims``: distinct (title, item, class), sorted.
P31_SQL = "SELECT DISTINCT title, qid, p31 FROM claims WHERE stats IS NULL ORDER BY title, qid, p31"


def p31_of_tasks(batch: pa.RecordBatch, *, wiki: str) -> Iterator[pa.RecordBatch]:
    """Map over Wikidata dump tasks (``wikiforge.wikidata.reader.dump_part_tasks``): (title,
    item, P31 class) of every entity with a sitelink to ``wiki``, then each task's stats row.
    """
    for task in batch.to_pylist():
        stats = {"task": task["task"], "entities": 0, "sitelinks": 0, "skipped_entities": 0}
        columns: dict[str, list] = {"title": [], "qid": [], "p31": []}
        for line in task_entities(task):
            try:
                sitelinks = extract_sitelinks(line)
            except EntityParseError:
                stats["skipped_entities"] += 1
                continue
            stats["entities"] += 1
            title = next((t for site, t in sitelinks.sitelinks if site == wiki), None)
            if title is None:
                continue
            stats["sitelinks"] += 1
            try:
                claims = extract_claims(line)
            except EntityParseError:
                stats["skipped_entities"] += 1
                continue
            for qid in claims.instance_of:
                columns["title"].append(title)
                columns["qid"].append(sitelinks.id)
                columns["p31"].append(qid)
        yield data_batch(P31_MAP_SCHEMA, columns)
        yield stats_batch(P31_MAP_SCHEMA, stats)
