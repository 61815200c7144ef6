"""Large link graphs resampled from real ones (for benchmarks: a 10-million-edge wiki is not
bundled, so one is generated with the degree distribution of the real sample graphs).

The generator is a seeded configuration-style model:

1. Pool the out-degree and in-degree of every node of the reference graphs (real wikis).
2. Pick ``n = edges / mean degree`` nodes; give each an out-degree and an in-degree weight drawn
   (with replacement) from the pooled real values.
3. Pair out-link stubs with shuffled in-link stubs (each node appears as many times as its
   degree; the shorter list is padded with random picks from itself), drop self-links and
   duplicates, top up with links drawn in proportion to the degrees until there are enough,
   then keep a random subset of exactly `edges` links.

Nodes therefore have the real graphs' share of orphans (in-degree 0) and of dangling pages
(out-degree 0) and the same heavy tail of popular targets, at any size.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from wikiforge.graph.link_graph import LinkGraph, link_graph_from_sql_dumps
from wikiforge.graph.scores import in_degrees, out_degrees

#: The bundled real Chamorro Wikipedia dumps: the default reference graph.
CHWIKI_SAMPLE_DIR = Path(__file__).resolve().parents[2] / "samples/dumps/chwiki/20240501"


def chwiki_sample_graph(directory: Path = CHWIKI_SAMPLE_DIR) -> LinkGraph:
    """The link graph of the bundled Chamorro Wikipedia SQL dumps (whole wiki, 2024-05-01)."""
    prefix = directory / "chwiki-20240501-"
    return link_graph_from_sql_dumps(
        page=f"{prefix}page.sql.gz",
        pagelinks=f"{prefix}pagelinks.sql.gz",
        redirect=f"{prefix}redirect.sql.gz",
        linktarget=f"{prefix}linktarget.sql.gz",
    )


def _sorted_distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique is hash-based and much slower for this in numpy 2)."""
    values.sort()
    if values.size == 0:
        return values
    keep = np.empty(values.size, dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _padded(slots: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """`slots` extended to `size` entries with random extra picks from itself."""
    if slots.size >= size:
        return slots
    extra = slots[rng.integers(0, slots.size, size=size - slots.size)]
    return np.concatenate([slots, extra])


def generate_link_graph(
    edges: int, seed: int, reference: Sequence[LinkGraph] | None = None
) -> LinkGraph:
    """Generate a link graph of exactly `edges` links resampled from real graphs' degrees.

    Args:
        edges: Number of (distinct, non-self) links wanted.
        seed: Seed of the random generator; the same arguments give the same graph.
        reference: Real graphs whose degree distribution is resampled; default: the bundled
            Chamorro Wikipedia graph.

    Returns:
        A :class:`LinkGraph` with page ids 1..n and titles ``Generated_<page id>``; its
        ``stats`` record the generation (``generated_from_nodes``, ``rounds``...).

    Raises:
        ValueError: If `edges` is negative or the reference graphs have no edges.
    """
    if edges < 0:
        raise ValueError("edges must be >= 0")
    graphs = list(reference) if reference is not None else [chwiki_sample_graph()]
    out_pool = np.concatenate([out_degrees(g.node_count, g.source) for g in graphs])
    in_pool = np.concatenate([in_degrees(g.node_count, g.target) for g in graphs])
    if out_pool.sum() == 0:
        raise ValueError("reference graphs have no edges")
    rng = np.random.default_rng(seed)
    mean_degree = out_pool.sum() / out_pool.size
    n = max(2, int(np.ceil(edges / mean_degree)))
    out_weight = rng.choice(out_pool, size=n)
    in_weight = rng.choice(in_pool, size=n)
    # Guarantee at least one possible non-self link even for tiny samples.
    if out_weight.sum() == 0:
        out_weight[0] = 1
    if np.count_nonzero(in_weight) < 2:
        in_weight[:2] = 1
    # Draw a node proportionally to its weight by picking a random slot of a table in which
    # each node appears weight times (a gather: much faster than a binary search per draw).
    out_slots = np.repeat(np.arange(n, dtype=np.int32), out_weight.astype(np.int64))
    in_slots = np.repeat(np.arange(n, dtype=np.int32), in_weight.astype(np.int64))

    # Round 1 pairs the degree sequences themselves (configuration model): every node gets
    # exactly its sampled number of out-link and in-link stubs, the shorter side padded with
    # extra draws. Later rounds top up what self-links and duplicates removed.
    stubs = max(out_slots.size, in_slots.size)
    sources = _padded(out_slots, stubs, rng)
    targets = rng.permutation(_padded(in_slots, stubs, rng))
    keys = np.empty(0, dtype=np.int64)
    rounds = 0
    while True:
        rounds += 1
        keep = sources != targets
        new_keys = sources[keep].astype(np.int64) * n + targets[keep]
        keys = _sorted_distinct(np.concatenate([keys, new_keys]))
        del sources, targets, keep, new_keys
        if keys.size >= edges:
            break
        if rounds > 1000:  # pragma: no cover - only for degenerate references
            raise ValueError("reference degree distribution too concentrated for this size")
        draw = int((edges - keys.size) * 1.1) + 16
        sources = out_slots[rng.integers(0, out_slots.size, size=draw)]
        targets = in_slots[rng.integers(0, in_slots.size, size=draw)]
    if keys.size > edges:
        chosen = rng.choice(keys.size, size=edges, replace=False)
        chosen.sort()
        keys = keys[chosen]
    source = (keys // n).astype(np.int32)
    target = (keys % n).astype(np.int32)
    page_id = np.arange(1, n + 1, dtype=np.int64)
    titles = pc.binary_join_element_wise("Generated_", pa.array(page_id).cast(pa.string()), "")
    return LinkGraph(
        page_id=page_id,
        title=titles,
        source=source,
        target=target,
        stats={
            "nodes": n,
            "edges": int(source.size),
            "generated_from_nodes": int(out_pool.size),
            "generated_from_edges": int(out_pool.sum()),
            "seed": seed,
            "rounds": rounds,
        },
    )
