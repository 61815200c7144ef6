"""Search quality of the dense encoders: the model2vec distillation (the `task_encoder` asset)
against the all-MiniLM-L6-v2 it was distilled from, on the search benchmark's corpus and queries
(bench/tasks_search.py: same generator, same seed, 200 queries).

Both encoders embed documents the way `build_index` does (title vector + body vector,
normalised). Measures, over the bench queries:
- dense overlap@10: |top-10 model2vec & top-10 MiniLM| / 10, mean over queries (and the same
  for hybrid);
- a relevance signal: 70% of the bench queries are 1-4 consecutive words cut from a real task's
  title; every generated task carrying that title counts as relevant (a title is carried by ~40
  of the 10,000 tasks). hit@10 (a relevant task in the top 10) and MRR@10 for sparse, dense and
  hybrid with each encoder. Title-cut queries include weak ones ("to", "How to"), the same for
  every method; the signal favours title matches, which BM25 and the title vector both get.

MiniLM embeds 10,000 bodies in tens of minutes on the shared machine: --minilm-body takes the
dense.npy of an index built with `bench/tasks_search.py --encoder minilm` before the title term
was added (body vectors only, same corpus), checked by re-encoding 20 random documents.

Reproduce: .venv/bin/python bench/tasks_encoder_quality.py [--minilm-body DENSE_NPY]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from tasks_search import generate, load_encoder, make_labelled_queries, real_taskmaps  # noqa: E402

from wikiforge.tasks.encoder import minilm_encoder  # noqa: E402
from wikiforge.tasks.index import (  # noqa: E402
    TaskIndex,
    build_index,
    combine_title_body,
    dense_text,
    rrf,
    top_k,
)


def minilm_vectors(tasks, body_path: Path | None) -> np.ndarray:
    """MiniLM document vectors as build_index makes them (body from --minilm-body if given)."""
    encoder = minilm_encoder()
    bodies = [dense_text(t) for t in tasks]
    if body_path is None:
        body = encoder.encode(bodies)
    else:
        body = np.load(body_path)
        if body.shape != (len(tasks), encoder.dim):
            raise SystemExit(f"{body_path}: shape {body.shape}, expected {(len(tasks), 384)}")
        sample = random.Random(0).sample(range(len(tasks)), 20)
        again = encoder.encode([bodies[i] for i in sample])
        agreement = float(np.min(np.sum(again * body[sample], axis=1)))
        if agreement < 0.999:
            raise SystemExit(
                f"{body_path} does not hold this corpus's MiniLM vectors "
                f"(cosine {agreement:.4f} on re-encoded documents)"
            )
    return combine_title_body(encoder.encode([t.title for t in tasks]), body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--encoder-dir", type=Path, default=REPO / "bench" / ".cache" / "tasks_encoder"
    )
    parser.add_argument("--minilm-body", type=Path, default=None)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    real = real_taskmaps()
    tasks = generate(real, args.tasks, args.seed)
    queries = make_labelled_queries(real, args.queries, args.seed)
    titles = [t.title for t in tasks]
    m2v = load_encoder("model2vec", args.encoder_dir)
    with tempfile.TemporaryDirectory() as tmp:
        build_index(tasks, tmp, m2v)
        index = TaskIndex.load(tmp, m2v)
        minilm_docs = minilm_vectors(tasks, args.minilm_body)
        minilm = minilm_encoder()
        results: dict[str, list[list[int]]] = {
            name: []
            for name in (
                "sparse",
                "dense minilm",
                "dense model2vec",
                "hybrid minilm",
                "hybrid model2vec",
            )
        }
        for query, _ in queries:
            sparse = index.search_sparse(query, 100)
            dense_m2v = index.search_dense(query, 100)
            dense_minilm = top_k(minilm_docs @ minilm.encode([query])[0], 100)
            results["sparse"].append(sparse[:10])
            results["dense model2vec"].append(dense_m2v[:10])
            results["dense minilm"].append(dense_minilm[:10])
            results["hybrid model2vec"].append([i for i, _ in rrf([sparse, dense_m2v])[:10]])
            results["hybrid minilm"].append([i for i, _ in rrf([sparse, dense_minilm])[:10]])
    overlap = {
        kind: statistics.mean(
            len(set(a) & set(b)) / 10
            for a, b in zip(results[f"{kind} model2vec"], results[f"{kind} minilm"], strict=True)
        )
        for kind in ("dense", "hybrid")
    }
    labelled = [i for i, (_, title) in enumerate(queries) if title is not None]
    print(
        f"# dense encoder quality: {len(tasks)} generated tasks (seed {args.seed}), "
        f"{len(queries)} bench queries, {len(labelled)} cut from a known title\n"
    )
    print(
        f"top-10 overlap model2vec vs MiniLM: dense {overlap['dense']:.2f}, "
        f"hybrid {overlap['hybrid']:.2f}\n"
    )
    print("| method | hit@10 | MRR@10 |")
    print("|---|---|---|")
    for method, ranked in results.items():
        hits, rr = 0, 0.0
        for i in labelled:
            for rank, doc in enumerate(ranked[i], start=1):
                if titles[doc] == queries[i][1]:
                    hits += 1
                    rr += 1 / rank
                    break
        print(f"| {method} | {hits / len(labelled):.3f} | {rr / len(labelled):.3f} |")
    print(
        f"\nreproduce: .venv/bin/python bench/tasks_encoder_quality.py --tasks {args.tasks} "
        f"--queries {args.queries} --seed {args.seed}"
        + (" --minilm-body DENSE_NPY" if args.minilm_body else "")
    )


if __name__ == "__main__":
    main()
