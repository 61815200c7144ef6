"""50-dimensional article vectors learned from the wiki itself (gensim word2vec).

As wikipedia2vec does, a link becomes an entity token in the running text (after the anchor's
words), and each article adds a link-graph sentence pairing its own entity token with each of
its targets, so that both linked and linking articles get vectors. Seeded, one worker and a
stable string hash, so two runs give the same vectors.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np

from wikiforge.links.redirects import resolve_target
from wikiforge.wikitext.plain import prose
from wikiforge.wikitext.titles import normalize_title
from wikiforge.wikitext.tokens import tokenize

ENTITY_PREFIX = "ENTITY/"
DIMENSIONS = 50
DEFAULT_SEED = 7


def entity_token(title: str) -> str:
    """The corpus token of an article (no whitespace inside, so a corpus line splits cleanly)."""
    return ENTITY_PREFIX + title.replace(" ", "_")


def article_corpus(
    wikitext: str,
    title: str,
    namespace_prefixes: frozenset[str],
    resolve: Callable[[str | None], str | None],
    language_code: str | None = None,
    capitalize: bool = True,
) -> list[list[str]]:
    """The corpus lines of one article: its prose with entity tokens, then its link graph."""
    page = prose(wikitext, namespace_prefixes)
    own = entity_token(title)
    text_line: list[str] = []
    graph_line: list[str] = []
    for kind, value, anchor in page.items:
        if kind == "text":
            text_line.extend(tokenize(value, language_code).lowered)
        elif kind == "link":
            target = resolve(normalize_title(value, language_code, capitalize))
            text_line.extend(tokenize(anchor, language_code).lowered)
            if target is not None:
                entity = entity_token(target)
                text_line.append(entity)
                graph_line.extend((own, entity))
    lines = [text_line] if text_line else []
    if graph_line:
        lines.append(graph_line)
    return lines


def write_corpus(lines: Iterable[list[str]], path: Path) -> int:
    """Write corpus lines (space-separated tokens) to `path`; returns the number of lines."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for line in lines:
            if line:
                out.write(" ".join(line))
                out.write("\n")
                count += 1
    return count


def _stable_hash(text: str) -> int:
    # gensim seeds each vector with hash(word + seed); Python's str hash changes per process.
    return zlib.crc32(text.encode("utf-8"))


def _keep_entities(word: str, count: int, min_count: int) -> int:
    from gensim.utils import RULE_DEFAULT, RULE_KEEP

    return RULE_KEEP if word.startswith(ENTITY_PREFIX) else RULE_DEFAULT


def train_vectors(
    corpus_path: Path, seed: int = DEFAULT_SEED, epochs: int = 5, min_word_count: int = 2
) -> dict[str, np.ndarray]:
    """Train skip-gram word2vec over a corpus file and return the entity vectors by title.

    Args:
        corpus_path: a file written by `write_corpus` (streamed, never loaded whole).
        seed: the random seed.
        epochs: passes over the corpus.
        min_word_count: words rarer than this are dropped (entity tokens are always kept).
    """
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    model = Word2Vec(
        sentences=LineSentence(str(corpus_path), max_sentence_length=100_000),
        vector_size=DIMENSIONS,
        window=5,
        min_count=min_word_count,
        sg=0,
        negative=5,
        sample=1e-4,
        epochs=epochs,
        seed=seed,
        workers=1,
        hashfxn=_stable_hash,
        trim_rule=_keep_entities,
        sorted_vocab=1,
    )
    vectors = {}
    for word in model.wv.index_to_key:
        if word.startswith(ENTITY_PREFIX):
            vectors[word[len(ENTITY_PREFIX) :].replace("_", " ")] = model.wv[word]
    return vectors


def vectors_matrix(vectors: dict[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    """Titles in sorted order and their vectors as one float32 matrix (row per title)."""
    titles = sorted(vectors)
    matrix = np.zeros((len(titles), DIMENSIONS), dtype=np.float32)
    for row, title in enumerate(titles):
        matrix[row] = vectors[title]
    return titles, matrix


def iter_lines(corpora: Iterable[list[list[str]]]) -> Iterator[list[str]]:
    """Flatten per-article corpora into lines."""
    for lines in corpora:
        yield from lines


def build_vectors(
    rows: Iterable[Mapping],
    pageids: Mapping[str, int],
    redirects: Mapping[str, str],
    language_code: str,
    prefixes: frozenset[str],
    corpus_path: Path,
    seed: int = DEFAULT_SEED,
    capitalize: bool = True,
    allow_unknown_targets: bool = False,
) -> tuple[dict, int]:
    """Write the embedding corpus of the given article rows (`title`, `text`) to `corpus_path`
    and train vectors on it; returns the vectors and the number of corpus lines.
    """

    def resolve(title: str | None) -> str | None:
        return resolve_target(title, redirects, pageids, allow_unknown_targets)

    corpora = (
        article_corpus(
            row["text"] or "", row["title"], prefixes, resolve, language_code, capitalize
        )
        for row in rows
    )
    lines = write_corpus(iter_lines(corpora), corpus_path)
    if lines == 0:
        return {}, 0
    return train_vectors(corpus_path, seed=seed), lines
