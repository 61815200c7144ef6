"""Everything the recommender looks up (anchors, titles, redirects, vectors), compiled into
memory-mapped files that every process opens instead of holding its own copy.

A wiki's index is a directory: marisa tries for the strings (titles; anchor keys with their
token prefixes) and NumPy arrays for the rest. Training workers and server processes map the
same files, so the operating system keeps one copy in its page cache however many processes
read it, and opening an index costs no parsing. Before this, each engine worker unpickled its
own dictionaries: `training_set`'s peak grew 550 -> 856 MiB from 50 to 500 MB of XML.

Only the first `MAX_CANDIDATES` targets of an anchor are stored (the only ones ever scored);
its ambiguity, total and kurtosis are computed over all of them first.
"""

from __future__ import annotations

import json
import mmap
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TypeVar

import marisa_trie
import numpy as np
import pyarrow as pa

from wikiforge.links.embeddings import DIMENSIONS
from wikiforge.links.features import MAX_CANDIDATES, AnchorEntry, kurtosis_of_counts
from wikiforge.links.matching import MentionMatcher
from wikiforge.links.redirects import resolve_target
from wikiforge.mapreduce import side_directory
from wikiforge.wikitext.plain import CANONICAL_NAMESPACE_PREFIXES
from wikiforge.wikitext.titles import normalize_title
from wikiforge.wikitext.tokens import token_prefixes

V = TypeVar("V")
INDEX_FORMAT = 1
INDEX_DIR = "index"
META_FILE = "index.json"
_ENTRY_CACHE = 1 << 14


# -- compiling -----------------------------------------------------------------------------------
def _string_list(values: pa.Array | pa.ChunkedArray | list[str]) -> list[str]:
    return values if isinstance(values, list) else values.to_pylist()


def _ids(trie: marisa_trie.Trie, titles: list[str]) -> np.ndarray:
    key_id = trie.key_id
    return np.fromiter((key_id(t) for t in titles), dtype=np.int64, count=len(titles))


def compile_index(
    directory: Path,
    *,
    anchors: pa.Table,
    pageids: pa.Table,
    redirects: pa.Table,
    vector_titles: list[str] | pa.Array,
    vectors: np.ndarray,
    language_code: str,
    namespace_prefixes: frozenset[str] = CANONICAL_NAMESPACE_PREFIXES,
    capitalize: bool = True,
    allow_unknown_targets: bool = False,
) -> Path:
    """Write a wiki's index to `directory` (which must not exist), atomically.

    Args:
        anchors: `(anchor, target, sources, link_probability)` rows (the filtered dictionary).
        pageids: `(title, page_id)` of the articles.
        redirects: `(title, target)`: redirect title to its final article.
        vector_titles: titles of the rows of `vectors` (float32, `DIMENSIONS` wide).
        Others as `LinkIndex`.
    """
    with _atomic_directory(directory) as work:
        counts = _write_index(
            work, anchors, pageids, redirects, vector_titles, vectors, language_code
        )
        meta = {
            "format": INDEX_FORMAT,
            "language_code": language_code,
            "namespace_prefixes": sorted(namespace_prefixes),
            "capitalize": capitalize,
            "allow_unknown_targets": allow_unknown_targets,
            "counts": counts,
        }
        (work / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1))
    return Path(directory)


@contextmanager
def _atomic_directory(directory: Path) -> Iterator[Path]:
    """A scratch directory beside `directory`, renamed to it when the block succeeds."""
    directory = Path(directory)
    work = directory.with_name(f".{directory.name}.{uuid.uuid4().hex}.tmp")
    work.mkdir(parents=True)
    try:
        yield work
        os.replace(work, directory)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _write_index(
    work: Path,
    anchors: pa.Table,
    pageids: pa.Table,
    redirects: pa.Table,
    vector_titles: list[str] | pa.Array,
    vectors: np.ndarray,
    language_code: str,
) -> dict[str, int]:
    # Anchors: by key, then by count (descending) and title, as `make_entry` orders candidates.
    anchors = anchors.select(["anchor", "target", "sources", "link_probability"])
    anchors = anchors.sort_by(
        [("anchor", "ascending"), ("sources", "descending"), ("target", "ascending")]
    )
    keys = anchors.column("anchor").to_pylist()
    targets = anchors.column("target").to_pylist()
    sources = anchors.column("sources").to_numpy().astype(np.float64)
    probability = anchors.column("link_probability").to_numpy().astype(np.float64)

    redirect_titles = _string_list(redirects.column("title"))
    redirect_targets = _string_list(redirects.column("target"))
    article_titles = _string_list(pageids.column("title"))
    vector_titles = _string_list(vector_titles)
    titles = marisa_trie.Trie(
        [*article_titles, *redirect_titles, *redirect_targets, *targets, *vector_titles]
    )
    titles.save(str(work / "titles.marisa"))
    n_titles = len(titles)

    page_id = np.full(n_titles, -1, dtype=np.int64)
    page_id[_ids(titles, article_titles)] = pageids.column("page_id").to_numpy()
    redirect = np.full(n_titles, -1, dtype=np.int64)
    redirect[_ids(titles, redirect_titles)] = _ids(titles, redirect_targets)
    vector_row = np.full(n_titles, -1, dtype=np.int64)
    vector_row[_ids(titles, vector_titles)] = np.arange(len(vector_titles))
    np.save(work / "title_page_id.npy", page_id)
    np.save(work / "title_redirect.npy", redirect)
    np.save(work / "title_vector_row.npy", vector_row)
    matrix = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).reshape(-1, DIMENSIONS))
    np.save(work / "vectors.npy", matrix)

    # One entry per anchor key: its top candidates, and statistics over all its candidates.
    starts = [i for i in range(len(keys)) if i == 0 or keys[i] != keys[i - 1]]
    bounds = starts + [len(keys)]
    anchor_keys = [keys[s] for s in starts]
    offsets = [0]
    top_rows: list[int] = []
    ambiguity, total, kurtosis, link_probability = [], [], [], []
    for start, end in pairwise(bounds):
        counts = sources[start:end]
        ambiguity.append(end - start)
        total.append(float(counts.sum()))
        kurtosis.append(kurtosis_of_counts(counts))
        link_probability.append(probability[start])
        top_rows.extend(range(start, min(end, start + MAX_CANDIDATES)))
        offsets.append(len(top_rows))
    np.save(work / "anchor_offsets.npy", np.array(offsets, dtype=np.int64))
    np.save(work / "anchor_targets.npy", _ids(titles, [targets[i] for i in top_rows]))
    np.save(work / "anchor_counts.npy", sources[top_rows] if top_rows else np.zeros(0))
    np.save(work / "anchor_ambiguity.npy", np.array(ambiguity, dtype=np.int64))
    np.save(work / "anchor_total.npy", np.array(total, dtype=np.float64))
    np.save(work / "anchor_kurtosis.npy", np.array(kurtosis, dtype=np.float64))
    np.save(work / "anchor_link_probability.npy", np.array(link_probability, dtype=np.float64))

    n_mentions = _write_mentions(work, anchor_keys, language_code)
    return {
        "titles": n_titles,
        "articles": len(article_titles),
        "redirects": len(redirect_titles),
        "vectors": len(vector_titles),
        "anchors": len(anchor_keys),
        "mention_states": n_mentions,
    }


def _write_mentions(work: Path, anchor_keys: list[str], language_code: str | None) -> int:
    """The mention walk's states: every anchor key (numbered in `anchor_keys` order) and every
    token prefix of one.
    """
    prefixes = {prefix for key in anchor_keys for prefix in token_prefixes(key, language_code)}
    mentions = marisa_trie.Trie([*prefixes, *anchor_keys])
    mentions.save(str(work / "mentions.marisa"))
    anchor_of_mention = np.full(len(mentions), -1, dtype=np.int64)
    anchor_of_mention[_ids(mentions, anchor_keys)] = np.arange(len(anchor_keys))
    np.save(work / "mention_anchor.npy", anchor_of_mention)
    (work / "mention_is_anchor.bin").write_bytes(
        (anchor_of_mention >= 0).astype(np.uint8).tobytes()
    )
    return len(mentions)


def compile_matcher(directory: Path, keys: list[str], language_code: str | None) -> Path:
    """Write a `MentionMatcher` over `keys` to `directory` (which must not exist), atomically:
    the as-text count's workers map it instead of each unpickling the wiki's anchor keys.
    """
    with _atomic_directory(directory) as work:
        _write_mentions(work, list(keys), language_code)
        (work / META_FILE).write_text(
            json.dumps({"format": INDEX_FORMAT, "language_code": language_code})
        )
    return Path(directory)


def _open_matcher(directory: Path, language_code: str | None) -> MentionMatcher:
    states = _MentionStates(
        _trie(directory / "mentions.marisa"), _bytes(directory / "mention_is_anchor.bin")
    )
    return MentionMatcher.from_states(states, language_code)


# -- reading -------------------------------------------------------------------------------------
def _array(directory: Path, name: str) -> np.ndarray:
    path = directory / f"{name}.npy"
    try:
        return np.load(path, mmap_mode="r")
    except ValueError:  # an empty array cannot be mapped
        return np.load(path)


def _view(array: np.ndarray) -> memoryview:
    """Fast scalar access to a 1-d array (a memoryview item is a Python int or float in ~30 ns;
    a NumPy scalar costs ~6 times that, and lookups run per token and per link).
    """
    return memoryview(array)  # type: ignore[arg-type]  # an ndarray is a buffer; numpy's stubs omit __buffer__ before Python 3.12


def _trie(path: Path) -> marisa_trie.Trie:
    trie = marisa_trie.Trie()
    trie.mmap(str(path))
    return trie


def _bytes(path: Path) -> bytes | mmap.mmap:
    if path.stat().st_size == 0:
        return b""
    with open(path, "rb") as handle:
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


class _Titles:
    """Title strings and their ids."""

    def __init__(self, directory: Path) -> None:
        self.trie = _trie(directory / "titles.marisa")
        self.id_of = self.trie.get
        self.title_of = self.trie.restore_key


class _TitleColumn(Mapping[str, V]):
    """A mapping from titles to one per-title column (-1 where a title has no value)."""

    def __init__(self, titles: _Titles, column: np.ndarray) -> None:
        self._titles = titles
        self._column = _view(column)
        self._size = int(np.count_nonzero(column >= 0))

    def _value(self, stored: int) -> V:
        raise NotImplementedError

    def get(self, title: str, default: V | None = None) -> V | None:  # type: ignore[override]
        found = self._titles.id_of(title) if isinstance(title, str) else None
        if found is None:
            return default
        stored = self._column[found]
        return default if stored < 0 else self._value(stored)

    def __getitem__(self, title: str) -> V:
        value = self.get(title)
        if value is None:
            raise KeyError(title)
        return value

    def __contains__(self, title: object) -> bool:
        return isinstance(title, str) and self.get(title) is not None

    def __iter__(self) -> Iterator[str]:
        column = self._column
        return (title for title, i in self._titles.trie.iteritems() if column[i] >= 0)

    def __len__(self) -> int:
        return self._size


class ArticleIds(_TitleColumn[int]):
    """`{article title: page id}` over the compiled titles."""

    def _value(self, stored: int) -> int:
        return stored


class Redirects(_TitleColumn[str]):
    """`{redirect title: final article title}` over the compiled titles."""

    def _value(self, stored: int) -> str:
        return self._titles.title_of(stored)


class AnchorEntries(Mapping[str, AnchorEntry]):
    """`{anchor key: AnchorEntry}` over the compiled anchors (entries built on demand and
    kept in a bounded cache).
    """

    def __init__(self, directory: Path, mentions: marisa_trie.Trie, titles: _Titles) -> None:
        self._mention_id = mentions.get
        self._mentions = mentions
        self._anchor_of = _view(_array(directory, "mention_anchor"))
        self._offsets = _view(_array(directory, "anchor_offsets"))
        self._targets = _view(_array(directory, "anchor_targets"))
        self._counts = _array(directory, "anchor_counts")
        self._ambiguity = _view(_array(directory, "anchor_ambiguity"))
        self._total = _view(_array(directory, "anchor_total"))
        self._kurtosis = _view(_array(directory, "anchor_kurtosis"))
        self._probability = _view(_array(directory, "anchor_link_probability"))
        self._titles = titles
        self._entry = lru_cache(maxsize=_ENTRY_CACHE)(self._make_entry)

    def _row(self, key: object) -> int:
        found = self._mention_id(key) if isinstance(key, str) else None
        return -1 if found is None else self._anchor_of[found]

    def _make_entry(self, row: int) -> AnchorEntry:
        start, end = self._offsets[row], self._offsets[row + 1]
        title_of = self._titles.title_of
        return AnchorEntry(
            targets=tuple(title_of(t) for t in self._targets[start:end]),
            counts=np.array(self._counts[start:end], dtype=np.float64),
            ambiguity=self._ambiguity[row],
            kurtosis=self._kurtosis[row],
            total=self._total[row],
            link_probability=self._probability[row],
        )

    def get(self, key: str, default: AnchorEntry | None = None) -> AnchorEntry | None:  # type: ignore[override]
        """The entry of an anchor, or ``default`` when it is not in the index."""
        row = self._row(key)
        return default if row < 0 else self._entry(row)

    def __getitem__(self, key: str) -> AnchorEntry:
        row = self._row(key)
        if row < 0:
            raise KeyError(key)
        return self._entry(row)

    def __contains__(self, key: object) -> bool:
        return self._row(key) >= 0

    def __iter__(self) -> Iterator[str]:
        anchor_of = self._anchor_of
        return (key for key, i in self._mentions.iteritems() if anchor_of[i] >= 0)

    def __len__(self) -> int:
        return len(self._ambiguity)


class _MentionStates(dict):
    """The mention walk's lookup, `states[key]`: None (no anchor starts so), False (a token
    prefix of an anchor), True (a whole anchor).

    The walk asks for every token of every sentence, so answers are kept in the dict itself
    (up to `_STATE_MEMO` strings; common words repeat): a hit costs what a dict lookup costs,
    a miss (`__missing__`) one trie lookup.
    """

    __slots__ = ("_id", "_is_anchor")

    def __init__(self, mentions: marisa_trie.Trie, is_anchor: bytes | mmap.mmap) -> None:
        super().__init__()
        self._id = mentions.get
        self._is_anchor = is_anchor

    def __missing__(self, key: str) -> bool | None:
        found = self._id(key)
        state = None if found is None else self._is_anchor[found] == 1
        if len(self) < _STATE_MEMO:
            self[key] = state
        return state

    def get(self, key: str, default: bool | None = None) -> bool | None:  # type: ignore[override]
        state = self[key]
        return default if state is None else state


_STATE_MEMO = 1 << 18


class LinkIndex:
    """The datasets of one wiki, as the recommender and the training rows read them.

    `LinkIndex(...)` compiles the given mappings into a private temporary directory (tests,
    small builds); `LinkIndex.open(directory)` maps an index written by `compile_index`.
    Pickling an index passes its directory, so processes of one machine share its files.

    Args:
        anchors: `{anchor_key: {target: n_sources}}` (filtered).
        pageids: `{article title: page id}`.
        redirects: `{redirect title: final article title}`.
        vector_titles: titles of the rows of `vectors`.
        vectors: float32 article vectors.
        language_code: the wiki's language.
        link_probability: `{anchor_key: link probability}` (the extended feature).
        namespace_prefixes: lower-cased namespace and interwiki prefixes of the wiki.
        capitalize: whether the wiki capitalises titles.
        allow_unknown_targets: a partial dump: link targets it does not hold are kept.
    """

    def __init__(
        self,
        anchors: Mapping[str, Mapping[str, int]],
        pageids: Mapping[str, int],
        redirects: Mapping[str, str],
        vector_titles: list[str],
        vectors: np.ndarray,
        language_code: str,
        link_probability: Mapping[str, float] | None = None,
        namespace_prefixes: frozenset[str] = CANONICAL_NAMESPACE_PREFIXES,
        capitalize: bool = True,
        allow_unknown_targets: bool = False,
    ) -> None:
        probability = link_probability or {}
        rows = [
            (key, target, int(n), float(probability.get(key, float("nan"))))
            for key, targets in anchors.items()
            for target, n in targets.items()
        ]
        table = pa.table(
            {
                "anchor": pa.array([r[0] for r in rows], pa.string()),
                "target": pa.array([r[1] for r in rows], pa.string()),
                "sources": pa.array([r[2] for r in rows], pa.int64()),
                "link_probability": pa.array([r[3] for r in rows], pa.float64()),
            }
        )
        self._owned: tempfile.TemporaryDirectory[str] | None = tempfile.TemporaryDirectory(
            prefix="wikiforge-link-index-"
        )
        directory = compile_index(
            Path(self._owned.name) / INDEX_DIR,
            anchors=table,
            pageids=pa.table(
                {
                    "title": pa.array(list(pageids), pa.string()),
                    "page_id": pa.array(list(pageids.values()), pa.int64()),
                }
            ),
            redirects=pa.table(
                {
                    "title": pa.array(list(redirects), pa.string()),
                    "target": pa.array(list(redirects.values()), pa.string()),
                }
            ),
            vector_titles=list(vector_titles),
            vectors=vectors,
            language_code=language_code,
            namespace_prefixes=namespace_prefixes,
            capitalize=capitalize,
            allow_unknown_targets=allow_unknown_targets,
        )
        self._attach(directory)

    @classmethod
    def temporary(cls, write: Callable[[Path], Path]) -> LinkIndex:
        """An index compiled by `write(directory)` into a temporary directory that lives as
        long as the returned index.
        """
        owned = tempfile.TemporaryDirectory(prefix="wikiforge-link-index-")
        index = cls.open(write(Path(owned.name) / INDEX_DIR))
        index._owned = owned
        return index

    @classmethod
    def open(cls, directory: Path | str) -> LinkIndex:
        """Map the index in `directory` (written by `compile_index`)."""
        index = cls.__new__(cls)
        index._owned = None
        index._attach(Path(directory))
        return index

    def _attach(self, directory: Path) -> None:
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        if meta.get("format") != INDEX_FORMAT:
            raise ValueError(
                f"{directory}: link index format {meta.get('format')!r}, "
                f"this code reads format {INDEX_FORMAT}"
            )
        self.directory = directory
        self.counts = meta["counts"]
        self.language_code = meta["language_code"]
        self.namespace_prefixes = (
            frozenset(meta["namespace_prefixes"]) | CANONICAL_NAMESPACE_PREFIXES
        )
        self.capitalize = meta["capitalize"]
        self.allow_unknown_targets = meta["allow_unknown_targets"]
        titles = _Titles(directory)
        self.matcher = _open_matcher(directory, self.language_code)
        self.entries = AnchorEntries(directory, _trie(directory / "mentions.marisa"), titles)
        self.pageids = ArticleIds(titles, _array(directory, "title_page_id"))
        self.redirects = Redirects(titles, _array(directory, "title_redirect"))
        self._titles = titles
        self._vector_row = _view(_array(directory, "title_vector_row"))
        self.vectors = _array(directory, "vectors")

    def __reduce__(self):
        return (LinkIndex.open, (str(self.directory),))

    def vector(self, title: str) -> np.ndarray | None:
        """The article's vector, or None."""
        found = self._titles.id_of(title)
        if found is None:
            return None
        row = self._vector_row[found]
        return None if row < 0 else self.vectors[row]

    def normalize(self, raw: str) -> str | None:
        """Normalise a title as this wiki does."""
        return normalize_title(raw, self.language_code, self.capitalize)

    def normalize_in(self, raw: str, language_code: str) -> str | None:
        """Normalise a title with another language's casing rules (a request's override)."""
        return normalize_title(raw, language_code, self.capitalize)

    def resolve(self, title: str | None) -> str | None:
        """The article a (normalised) title leads to, or None."""
        if title is not None and self.allow_unknown_targets:
            head, colon, _ = title.partition(":")
            if colon and head.strip().lower() in self.namespace_prefixes:
                return None
        return resolve_target(title, self.redirects, self.pageids, self.allow_unknown_targets)


@lru_cache(maxsize=2)
def shared_index(location: str) -> LinkIndex:
    """The index at a side-directory location (``wikiforge.mapreduce``), opened once per
    process: engine workers call this for every batch.
    """
    return LinkIndex.open(side_directory(location))


@lru_cache(maxsize=2)
def shared_matcher(location: str) -> MentionMatcher:
    """The matcher written by `compile_matcher` at a side-directory location, opened once per
    process.
    """
    directory = Path(side_directory(location))
    meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    return _open_matcher(directory, meta["language_code"])
