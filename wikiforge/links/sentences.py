"""First linked sentence of an article, the train/test split and the held-out share.

The reference (research-mwaddlink's `generate_backtesting_data.py`,
docs/references.md#mwaddlink) keeps, per article, the first sentence made only
of text and links, with at least one link; it then shuffles with `random.seed(2)` and cuts 50/50.
Here a sentence must also be whole (ending in a full stop of any script, not cut by a template),
and the split is a hash of the title, so it does not depend on the order pages arrive in.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from wikiforge.wikitext.plain import parse, readable_items
from wikiforge.wikitext.tokens import line_spans

_TERMINATORS = tuple(".!?。！？।॥։۔؟።")
_BREAK = "\x00"
_FIRST_HEADING = re.compile(r"^==.*==[ \t]*$", re.MULTILINE)
_MARKUP = ("{{", "}}", "<", ">", "[[", "]]", "|", "__", "{|", "=")
DEFAULT_SPLIT_SEED = "2"
DEFAULT_HELD_OUT_SHARE = 0.15


def _unit_interval(*parts: str) -> float:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_of(title: str, seed: str = DEFAULT_SPLIT_SEED, test_share: float = 0.5) -> str:
    """`"train"` or `"test"` for an article's sentence: a seeded hash of the title."""
    return "test" if _unit_interval("split", seed, title) < test_share else "train"


def is_held_out(wiki: str, title: str, share: float = DEFAULT_HELD_OUT_SHARE) -> bool:
    """Whether an article is in the held-out share: kept out of everything the model learns
    from (anchors, embeddings, sentences, training set) and used only to measure.
    """
    return share > 0 and _unit_interval("heldout", wiki, title) < share


def _link_wikitext(target: str, anchor: str) -> str:
    return f"[[{target}]]" if anchor == target else f"[[{target}|{anchor}]]"


def first_linked_sentence(
    wikitext: str, namespace_prefixes: frozenset[str], min_items: int = 3
) -> str | None:
    """The first whole sentence of the page made of text and links only, with a link.

    Args:
        wikitext: the article.
        namespace_prefixes: lower-cased names of non-article namespaces and interwiki prefixes.
        min_items: the fewest text and link pieces (the reference: more than 2 nodes).

    Returns:
        The sentence as wikitext (`... [[Target|anchor]] ...`), or None.
    """
    # The sentence is nearly always in the lead: parse that first (parsing is the cost).
    heading = _FIRST_HEADING.search(wikitext)
    if heading is not None:
        found = _first_sentence_of(wikitext[: heading.start()], namespace_prefixes, min_items)
        if found is not None:
            return found
    return _first_sentence_of(wikitext, namespace_prefixes, min_items)


def linked_sentences(
    wikitext: str, namespace_prefixes: frozenset[str], limit: int, min_items: int = 3
) -> list[str]:
    """Up to `limit` whole sentences of text and links (with a link), in page order.

    More training material than the first sentence alone: the training split takes several
    per article (the test sentences stay first sentences, as in the reference's protocol).
    """
    return _sentences_of(wikitext, namespace_prefixes, min_items, limit)


def _first_sentence_of(
    wikitext: str, namespace_prefixes: frozenset[str], min_items: int
) -> str | None:
    found = _sentences_of(wikitext, namespace_prefixes, min_items, 1)
    return found[0] if found else None


def _sentences_of(
    wikitext: str, namespace_prefixes: frozenset[str], min_items: int, limit: int
) -> list[str]:
    code = parse(wikitext)
    if code is None:
        return []
    # The reader's text, with each item's span in it, so sentences can be cut on the plain text
    # and mapped back to wikitext.
    plain_parts: list[str] = []
    pieces: list[tuple[int, int, str, str]] = []  # (start, end, kind, wikitext form)
    cursor = 0
    for kind, value, anchor in readable_items(code, namespace_prefixes):
        if kind == "text":
            text = value
            pieces.append((cursor, cursor + len(text), "text", text))
        elif kind == "link":
            text = anchor
            pieces.append((cursor, cursor + len(text), "link", _link_wikitext(value, anchor)))
        else:
            text = _BREAK
        plain_parts.append(text)
        cursor += len(text)
    plain = "".join(plain_parts)
    found = []
    for start, end in line_spans(plain.replace(_BREAK, "\n")):
        sentence = _sentence_wikitext(plain, pieces, start, end, min_items)
        if sentence is not None:
            found.append(sentence)
            if len(found) >= limit:
                break
    return found


def _sentence_wikitext(
    plain: str, pieces: list[tuple[int, int, str, str]], start: int, end: int, min_items: int
) -> str | None:
    text = plain[start:end].strip()
    if not text.endswith(_TERMINATORS) or text.count(_BREAK):
        return None
    before = plain[:start].rstrip(" \t")
    if before and not (before.endswith(_TERMINATORS) or before.endswith("\n")):
        return None  # the sentence starts right after a template or other break
    parts = []
    links = 0
    items = 0
    for piece_start, piece_end, kind, form in pieces:
        if piece_end <= start or piece_start >= end:
            continue
        if kind == "link":
            if piece_start < start or piece_end > end:
                return None  # a sentence boundary inside a link
            parts.append(form)
            links += 1
        else:
            fragment = plain[max(start, piece_start) : min(end, piece_end)]
            if any(mark in fragment for mark in _MARKUP):
                return None
            parts.append(fragment)
        items += 1
    if links == 0 or items < min_items:
        return None
    sentence = "".join(parts).strip()
    return sentence if "\n" not in sentence and "\t" not in sentence else None


#: Linked sentences a training article gives (its test and held-out peers give the first one).
TRAIN_SENTENCES_PER_ARTICLE = 10


@dataclass(frozen=True, slots=True)
class SentenceRow:
    """A linked sentence of an article, its position among them and its split."""

    page_title: str
    sentence: str
    split: str
    sentence_index: int = 0


def article_sentences(
    row: Mapping,
    prefixes: frozenset[str],
    wiki: str,
    held_out_share: float,
    seed: str = DEFAULT_SPLIT_SEED,
    train_per_article: int = TRAIN_SENTENCES_PER_ARTICLE,
) -> list[SentenceRow]:
    """An article's sentences: the first linked one for `test` and `heldout` articles (the
    reference's protocol), up to `train_per_article` for `train` articles.
    """
    title = row["title"]
    split = "heldout" if is_held_out(wiki, title, held_out_share) else split_of(title, seed)
    if split == "train" and train_per_article > 1:
        found = linked_sentences(row["text"] or "", prefixes, train_per_article)
    else:
        first = first_linked_sentence(row["text"] or "", prefixes)
        found = [first] if first is not None else []
    return [SentenceRow(title, sentence, split, i) for i, sentence in enumerate(found)]
