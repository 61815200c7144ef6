"""Stream the entities of a Wikidata JSON dump (``.json.bz2``, ``.json.gz`` or plain ``.json``).

The dump is a JSON array written one entity per line: a line ``[``, then each entity followed by
``,``, then ``]``. Readers here yield each entity's bytes without the trailing comma.

``map_dump_parts`` runs a handler over the entities in parallel worker processes: a bzip2 dump is
split at compressed block boundaries (see ``bzip2_parts``) and each worker decodes and handles its
own part; the lines that straddle two parts are stitched together and handled in the calling
process. Gzip cannot be split without an index, so ``.json.gz`` and plain dumps are handled
sequentially in one process.
"""

from __future__ import annotations

import gzip
import io
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import indexed_bzip2

from wikiforge.errors import InputError
from wikiforge.wikidata.bzip2_parts import Part, iter_part_bytes, read_header, split_parts

R = TypeVar("R")
_DATE_DIR = re.compile(r"^(\d{8})$")
_DATE_NAME = re.compile(r"wikidata-(\d{8})-all\.json")


def entity_bytes(line: bytes) -> bytes | None:
    """The entity in one dump line, or None for the array brackets and blank lines."""
    line = line.strip()
    if line.endswith(b","):
        line = line[:-1].rstrip()
    if not line or line == b"[" or line == b"]":
        return None
    return line


def open_dump(path: str | os.PathLike, threads: int = 1) -> io.BufferedIOBase:
    """Open a dump for sequential reading, decompressing by its suffix.

    Args:
        path: ``*.json.bz2``, ``*.json.gz`` or ``*.json``.
        threads: Decoder threads for bzip2 (indexed_bzip2 decodes blocks in parallel).
    """
    name = str(path)
    if name.endswith(".bz2"):
        read_header(path)
        raw = indexed_bzip2.open(name, parallelization=max(1, threads))
        return io.BufferedReader(raw, 1 << 20)
    if name.endswith(".gz"):
        return gzip.open(name, "rb")
    return open(name, "rb")


def iter_entities(path: str | os.PathLike, threads: int = 1) -> Iterator[bytes]:
    """Every entity of a dump in order, as bytes (one JSON object each).

    Raises:
        InputError: if the file cannot be decompressed, naming the line reached.
    """
    line_number = 0
    try:
        with open_dump(path, threads) as f:
            for line in f:
                line_number += 1
                entity = entity_bytes(line)
                if entity is not None:
                    yield entity
    except (OSError, EOFError, RuntimeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(path, f"line {line_number + 1}", f"cannot decompress: {exc}") from exc


def dump_date(path: str | os.PathLike) -> str | None:
    """The dump's date ``YYYYMMDD`` from its directory (``entities/20190101/``) or file name."""
    p = Path(path)
    match = _DATE_NAME.search(p.name)
    if match:
        return match.group(1)
    match = _DATE_DIR.match(p.parent.name)
    return match.group(1) if match else None


@dataclass
class _PartOutput(Generic[R]):
    head: bytes
    tail: bytes | None
    result: R


def _split_lines(chunks: Iterable[bytes], holder: dict[str, bytes | None]) -> Iterator[bytes]:
    """Yield the complete lines after the first newline; keep the first and last fragments."""
    pending = b""
    seen_newline = False
    for chunk in chunks:
        data = pending + chunk
        lines = data.split(b"\n")
        pending = lines.pop()
        if not seen_newline and lines:
            holder["head"] = lines[0]
            lines = lines[1:]
            seen_newline = True
        yield from lines
    if seen_newline:
        holder["tail"] = pending
    else:
        holder["head"] = pending
        holder["tail"] = None


def _entities_of(lines: Iterable[bytes]) -> Iterator[bytes]:
    for line in lines:
        entity = entity_bytes(line)
        if entity is not None:
            yield entity


def _run_part(
    path: str, part: Part, header: bytes, handler: Callable[[Iterator[bytes], str], R]
) -> _PartOutput[R]:
    holder: dict[str, bytes | None] = {"head": b"", "tail": None}
    lines = _split_lines(iter_part_bytes(path, part, header), holder)
    result = handler(_entities_of(lines), f"part-{part.index:04d}")
    for _ in lines:  # a handler that stopped early still leaves the fragments right
        pass
    return _PartOutput(holder["head"] or b"", holder["tail"], result)


def map_dump_parts(
    path: str | os.PathLike,
    handler: Callable[[Iterator[bytes], str], R],
    workers: int = 2,
    parts_per_worker: int = 4,
    min_parallel_bytes: int = 64 << 20,
) -> list[R]:
    """Run ``handler`` over all entities of a dump, in parallel for bzip2 dumps.

    Args:
        path: The dump.
        handler: Called as ``handler(entities, label)`` with an iterator of entity bytes and a
            label unique per call (``part-0003``, ``boundaries``, ``all``); it must be picklable
            (a module-level function or ``functools.partial`` of one) as it runs in worker
            processes.
        workers: Worker processes; 1 runs everything in this process.
        parts_per_worker: Parts per worker, so that uneven parts still balance.
        min_parallel_bytes: Files smaller than this are handled in this process (starting
            worker processes costs more than it saves on them); their parts are still split.

    Returns:
        The handler's results: one per part in file order, then one for the lines that crossed
        part boundaries. For gzip and plain dumps, a single result.
    """
    name = str(path)
    if not name.endswith(".bz2"):
        return [handler(iter_entities(path), "all")]
    header = read_header(path)
    parts = split_parts(path, max(1, workers) * max(1, parts_per_worker))
    if os.path.getsize(path) < min_parallel_bytes:
        workers = 1
    if workers <= 1 or len(parts) == 1:
        outputs = [_run_part(name, part, header, handler) for part in parts]
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(_run_part, name, part, header, handler) for part in parts]
            outputs = [future.result() for future in futures]
    # Stitch the fragments: a part's head completes the line the previous parts left open.
    boundary_lines = []
    carry = b""
    for output in outputs:
        if output.tail is None:  # no newline in this part at all
            carry += output.head
        else:
            boundary_lines.append(carry + output.head)
            carry = output.tail
    boundary_lines.append(carry)
    results = [output.result for output in outputs]
    results.append(handler(_entities_of(boundary_lines), "boundaries"))
    return results


# -- parts as engine tasks -----------------------------------------------------------------
# For the engines (a local process pool or Spark), a dump is a table of tasks, one per part, and
# each task yields the lines it owns without any stitching step: a line belongs to the part in
# which it starts. A part other than the first skips its bytes up to and including its first
# newline (that line started earlier), then reads the following parts just far enough to
# finish its own last line. A part with no newline at all owns no line.


def dump_part_tasks(path: str | os.PathLike, parts: int) -> list[dict[str, object]]:
    """The tasks of a dump: ``path``, part ``index`` and the parts' ``bounds`` (bit offsets).

    A gzip or plain dump (not splittable) is one task with empty bounds.
    """
    name = str(path)
    if not name.endswith(".bz2"):
        return [{"path": name, "index": 0, "bounds": []}]
    split = split_parts(path, max(1, parts))
    bounds = [part.start_bit for part in split] + [split[-1].end_bit]
    return [{"path": name, "index": part.index, "bounds": bounds} for part in split]


def _owned_lines(path: str, parts: list[Part], index: int, header: bytes) -> Iterator[bytes]:
    pending = b""
    skipping = index > 0
    for chunk in iter_part_bytes(path, parts[index], header):
        data = pending + chunk
        if skipping:
            cut = data.find(b"\n")
            if cut < 0:
                pending = b""
                continue
            data = data[cut + 1 :]
            skipping = False
        lines = data.split(b"\n")
        pending = lines.pop()
        yield from lines
    if skipping:
        return
    for following in parts[index + 1 :]:
        for chunk in iter_part_bytes(path, following, header):
            cut = chunk.find(b"\n")
            if cut >= 0:
                yield pending + chunk[:cut]
                return
            pending += chunk
    if pending:
        yield pending


def task_entities(task: dict) -> Iterator[bytes]:
    """The entities of one task from :func:`dump_part_tasks` (each entity in exactly one task).

    Raises:
        InputError: on corrupt compressed data, naming the file and position.
    """
    path, bounds = str(task["path"]), list(task["bounds"] or [])
    if not bounds:
        yield from iter_entities(path)
        return
    parts = [Part(i, bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]
    yield from _entities_of(_owned_lines(path, parts, int(task["index"]), read_header(path)))
