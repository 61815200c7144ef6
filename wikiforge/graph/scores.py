"""Static page scores over a link graph: PageRank, HITS and degrees, with global properties.

PageRank here is the normalised Page-Brin random surfer, solved by power iteration on a SciPy
sparse matrix:

    x' = d * (M x + (dangling mass of x) / n) + (1 - d) / n

where M[t, s] = 1 / outdeg(s) for each edge s -> t and the mass of dangling pages (no
out-links) is spread uniformly over all pages. Pages without in-links all share one value in
every round, so they are carried as a single number (an exact reformulation that shrinks the
system on wikis with many orphan pages). Iteration stops when the L1 change between two
rounds is below `tol` (1e-10), not after a fixed number of rounds as Nutch's LinkRank does;
the scores are renormalised to sum to 1. Given the same graph, results are bit-for-bit
identical run to run (single-threaded sparse products in a fixed order).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

DEFAULT_DAMPING = 0.85
DEFAULT_TOLERANCE = 1e-10
DEFAULT_MAX_ITERATIONS = 10_000


class ConvergenceError(RuntimeError):
    """Power iteration did not reach the tolerance within the allowed rounds."""


@dataclass(frozen=True)
class PageRankResult:
    """PageRank scores and the global properties of the run.

    Attributes:
        scores: Score of each node (float64, sums to 1).
        iterations: Power-iteration rounds run.
        residual: L1 change of the last round.
        dangling_nodes: Nodes without out-links.
        dangling_mass: Total final score of the dangling nodes.
        seconds: Wall time of the iteration (matrix building included).
        damping: Damping factor used.
        tolerance: L1 tolerance used.
    """

    scores: np.ndarray
    iterations: int
    residual: float
    dangling_nodes: int
    dangling_mass: float
    seconds: float
    damping: float
    tolerance: float

    def properties(self) -> dict[str, float | int]:
        """Global properties as a flat dict (for asset metadata)."""
        return {
            "nodes": int(self.scores.shape[0]),
            "iterations": self.iterations,
            "residual": self.residual,
            "dangling_nodes": self.dangling_nodes,
            "dangling_mass": self.dangling_mass,
            "seconds": self.seconds,
            "damping": self.damping,
            "tolerance": self.tolerance,
        }


@dataclass(frozen=True)
class HitsResult:
    """HITS hub and authority scores (each sums to 1) and the run's properties.

    Attributes:
        hubs: Hub score of each node.
        authorities: Authority score of each node.
        iterations: Rounds run.
        residual: L1 change of the authority vector in the last round.
        converged: Whether the residual fell below the tolerance.
        seconds: Wall time.
    """

    hubs: np.ndarray
    authorities: np.ndarray
    iterations: int
    residual: float
    converged: bool
    seconds: float


def _product_adder(matrix: sp.csr_array):
    """A function ``add(x, into)`` doing ``into += matrix @ x`` without allocating.

    It calls scipy's own kernel behind ``csr_array @ vector`` directly (the private
    `_sparsetools.csr_matvec`, pinned scipy) so the product lands in a preallocated vector: no
    8-bytes-per-node allocation, no extra pass and no per-call checks in every round. Falls back
    to the public operator where that kernel is not usable.
    """
    try:
        from scipy.sparse._sparsetools import csr_matvec
    except ImportError:  # pragma: no cover - a scipy without the private module
        csr_matvec = None
    usable = (
        csr_matvec is not None
        and matrix.indices.dtype == matrix.indptr.dtype
        and matrix.data.dtype == np.float64
    )
    if not usable:  # pragma: no cover

        def add_public(x: np.ndarray, into: np.ndarray) -> None:
            into += matrix @ x

        return add_public
    rows, columns = matrix.shape
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data

    def add(x: np.ndarray, into: np.ndarray) -> None:
        csr_matvec(rows, columns, indptr, indices, data, x, into)

    return add


def _check_edges(node_count: int, source: np.ndarray, target: np.ndarray) -> None:
    if source.shape != target.shape:
        raise ValueError("source and target must have the same length")
    if source.size and (
        min(int(source.min()), int(target.min())) < 0
        or max(int(source.max()), int(target.max())) >= node_count
    ):
        raise ValueError("edge endpoint outside 0..node_count-1")


def out_degrees(node_count: int, source: np.ndarray) -> np.ndarray:
    """Number of out-links of each node (int64)."""
    return np.bincount(source, minlength=node_count).astype(np.int64, copy=False)


def in_degrees(node_count: int, target: np.ndarray) -> np.ndarray:
    """Number of in-links of each node (int64)."""
    return np.bincount(target, minlength=node_count).astype(np.int64, copy=False)


def _adjacency(
    node_count: int,
    source: np.ndarray,
    target: np.ndarray,
    data: np.ndarray,
    columns: int | None = None,
) -> sp.csr_array:
    """CSR matrix A[s, t] = data for edges s -> t (`node_count` rows, `columns` columns,
    default square), built without a COO sort when the edges already come sorted by source
    (as a LinkGraph's do).
    """
    source = np.asarray(source)
    target = np.asarray(target)
    if source.size > 1 and not np.all(source[1:] >= source[:-1]):
        order = np.argsort(source, kind="stable")
        source, target, data = source[order], target[order], data[order]
    indptr = np.zeros(node_count + 1, dtype=np.int64)
    np.cumsum(np.bincount(source, minlength=node_count), out=indptr[1:])
    index_type = np.int32 if node_count < 2**31 and source.size < 2**31 else np.int64
    return sp.csr_array(
        (data, target.astype(index_type, copy=False), indptr.astype(index_type, copy=False)),
        shape=(node_count, node_count if columns is None else columns),
    )


def pagerank(
    node_count: int,
    source: np.ndarray,
    target: np.ndarray,
    *,
    damping: float = DEFAULT_DAMPING,
    tol: float = DEFAULT_TOLERANCE,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
) -> PageRankResult:
    """PageRank by power iteration; dangling mass spread uniformly; stop at L1 change < `tol`.

    Args:
        node_count: Number of nodes n (ids 0..n-1).
        source: Source node of each edge (no duplicates; self-loops count as ordinary links).
        target: Target node of each edge.
        damping: Probability of following a link (0.85).
        tol: Stop when the L1 norm of the change between two rounds is below this.
        max_iterations: Give up after this many rounds.

    Returns:
        Scores (summing to 1) and the run's global properties.

    Raises:
        ValueError: On an edge outside the node range or a damping outside [0, 1).
        ConvergenceError: If `tol` is not reached within `max_iterations` rounds.
    """
    started = time.perf_counter()
    if not 0.0 <= damping < 1.0:
        raise ValueError("damping must be in [0, 1)")
    n = int(node_count)
    if n == 0:
        return PageRankResult(np.zeros(0), 0, 0.0, 0, 0.0, 0.0, damping, tol)
    source = np.asarray(source)
    target = np.asarray(target)
    _check_edges(n, source, target)
    out = out_degrees(n, source)
    dangling = out == 0
    scaled_inverse_out = np.zeros(n, dtype=np.float64)
    scaled_inverse_out[~dangling] = damping / out[~dangling]

    # Pages nobody links to ("orphans") all hold the same score in every round: the teleport
    # share plus the spread dangling mass. They are lumped into one extra vector entry (index
    # k, after the k linked-to pages), whose links reach each page t with weight `orphan_weight`
    # (the sum of d/outdeg over t's orphan in-links). This is the same iteration, exactly, on a
    # smaller system.
    linked = in_degrees(n, target) > 0
    k = int(linked.sum())
    orphans = n - k
    position = np.cumsum(linked) - 1  # index of a linked page among the linked ones
    from_linked = linked[source]
    weights = scaled_inverse_out[source]
    orphan_weight = np.bincount(
        position[target[~from_linked]], weights=weights[~from_linked], minlength=k
    )
    lumped = np.flatnonzero(orphan_weight)
    # Row t of the k x (k+1) matrix holds t's in-links s weighted d/outdeg(s), so one sparse
    # product gathers every page's incoming score. Built as the transpose of the by-source
    # matrix (edges come sorted by source, `position` keeps that order and the lumped orphans
    # come last): linear time, no sort.
    by_source = _adjacency(
        k + 1,
        np.concatenate([position[source[from_linked]], np.full(lumped.size, k)]),
        np.concatenate([position[target[from_linked]], lumped]),
        np.concatenate([weights[from_linked], orphan_weight[lumped]]),
        columns=k,
    )
    transition = by_source.T.tocsr()
    del by_source, weights, from_linked, orphan_weight, lumped
    dangling_linked = np.flatnonzero(dangling[linked])
    dangling_orphans = int(np.count_nonzero(dangling & ~linked))
    add_product = _product_adder(transition)

    x = np.full(k + 1, 1.0 / n)  # x[k]: the score every orphan holds
    following = np.empty(k + 1)
    x_linked, following_linked = x[:k], following[:k]
    change = np.empty(k)
    teleport = (1.0 - damping) / n
    spread_factor = damping / n
    sum_of = np.add.reduce
    residual = float("inf")
    iterations = 0
    while iterations < max_iterations:
        iterations += 1
        # (numpy reductions, not BLAS: OpenBLAS threads spin on a busy machine)
        dangling_mass = float(sum_of(x[dangling_linked])) + float(x[k]) * dangling_orphans
        spread = spread_factor * dangling_mass + teleport
        following.fill(spread)  # also the orphans' new score, following[k]
        add_product(x, following_linked)
        np.subtract(following_linked, x_linked, out=change)
        np.abs(change, out=change)
        residual = float(sum_of(change)) + orphans * abs(spread - float(x[k]))
        x, following = following, x
        x_linked, following_linked = following_linked, x_linked
        if residual < tol:
            break
    else:
        raise ConvergenceError(
            f"PageRank did not reach L1 change {tol} in {max_iterations} rounds "
            f"(last change {residual})"
        )
    orphan_score = float(x[k])
    x = x[:k]
    scores = np.full(n, orphan_score)
    scores[linked] = x
    x = scores
    dangling = np.flatnonzero(dangling)
    x /= x.sum()
    return PageRankResult(
        scores=x,
        iterations=iterations,
        residual=residual,
        dangling_nodes=int(dangling.size),
        dangling_mass=float(x[dangling].sum()),
        seconds=time.perf_counter() - started,
        damping=damping,
        tolerance=tol,
    )


def hits(
    node_count: int,
    source: np.ndarray,
    target: np.ndarray,
    *,
    tol: float = DEFAULT_TOLERANCE,
    max_iterations: int = 1_000,
) -> HitsResult:
    """HITS hubs and authorities by power iteration (Kleinberg), each normalised to sum 1.

    authority = A^T hub, hub = A authority, starting from uniform scores, until the L1 change
    of the authority vector is below `tol`. HITS can converge slowly when the two largest
    singular values of A are close; it then stops after `max_iterations` rounds and reports
    ``converged=False`` with the last residual rather than failing.

    Args:
        node_count: Number of nodes.
        source: Source node of each edge.
        target: Target node of each edge.
        tol: L1 tolerance on the authority vector.
        max_iterations: Round limit.

    Returns:
        Hub and authority scores and the run's properties. A graph without edges gets uniform
        scores.
    """
    started = time.perf_counter()
    n = int(node_count)
    if n == 0:
        return HitsResult(np.zeros(0), np.zeros(0), 0, 0.0, True, 0.0)
    _check_edges(n, source, target)
    if len(source) == 0:
        uniform = np.full(n, 1.0 / n)
        return HitsResult(uniform, uniform.copy(), 0, 0.0, True, time.perf_counter() - started)
    adjacency = _adjacency(n, source, target, np.ones(len(source)))
    transposed = adjacency.T
    authorities = np.full(n, 1.0 / n)
    hubs = adjacency @ authorities
    residual = float("inf")
    iterations = 0
    while iterations < max_iterations and residual >= tol:
        iterations += 1
        new_authorities = transposed @ hubs
        new_authorities /= new_authorities.sum()
        hubs = adjacency @ new_authorities
        hubs /= hubs.sum()
        residual = float(np.abs(new_authorities - authorities).sum())
        authorities = new_authorities
    return HitsResult(
        hubs=hubs,
        authorities=authorities,
        iterations=iterations,
        residual=residual,
        converged=residual < tol,
        seconds=time.perf_counter() - started,
    )


def rank_order(scores: np.ndarray, page_id: np.ndarray) -> np.ndarray:
    """Node ids from the highest score down, ties broken by ascending page id.

    Args:
        scores: Score per node.
        page_id: Page id per node (the tie-breaker).

    Returns:
        Node ids in rank order (rank 1 first).
    """
    return np.lexsort((page_id, -scores))
