"""Tokens, anchor keys and sentence spans for any script.

Words are runs of letters, marks and digits (`regex` Unicode classes, so Devanagari vowel signs
and Navajo combining accents stay inside their word). Scripts written without spaces (Han, kana,
Thai, Lao, Khmer, Myanmar) are tokenised one character at a time, so an n-gram over them is a
substring. A mention key is built from tokens and the text between them, lower-cased per token
with the wiki language's rules and with whitespace collapsed, the same way for an anchor in the
dictionary and for a span of article text, so the two always meet.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from wikiforge.wikitext.casing import lower

_NO_SPACE = (
    r"\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf"
    r"\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f"
)
_TOKEN = regex.compile(rf"(?V1)[\p{{L}}\p{{M}}\p{{N}}--[{_NO_SPACE}]]+|[{_NO_SPACE}]\p{{M}}*")
_NO_SPACE_CHAR = regex.compile(rf"[{_NO_SPACE}]")
_WHITESPACE = regex.compile(r"\s+")
# A sentence ends at . ! ? (after a word of 3+ characters, to spare abbreviations such as
# "St." or "Dr."), or at the full stops of scripts that have their own. Candidates are found
# with a plain pattern and the word-length rule is checked in Python (a variable-length
# look-behind at every space is slow).
_SENTENCE_END = regex.compile(r"[.!?]['\"”’)\]]*\s+|[。！？।॥։۔؟።]\s*")
_WORD3 = regex.compile(r"[\p{L}\p{M}\p{N}]{3}")


@dataclass(frozen=True, slots=True)
class Tokens:
    """The tokens of one sentence: their spans in the sentence and their lower-cased forms.

    `gaps[i]` is the normalised text between token i and token i+1.
    """

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    lowered: tuple[str, ...]
    gaps: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.starts)


def tokenize(text: str, language_code: str | None = None) -> Tokens:
    """Split `text` (one sentence) into word tokens, keeping code-point spans."""
    spans = [match.span() for match in _TOKEN.finditer(text)]
    if not spans:
        return Tokens((), (), (), ())
    starts = tuple(start for start, _ in spans)
    ends = tuple(end for _, end in spans)
    lowered_text = lower(text, language_code)
    if len(lowered_text) == len(text):
        lowered = tuple(lowered_text[start:end] for start, end in spans)
    else:  # a character whose lower case is longer (İ in most languages): token by token
        lowered = tuple(lower(text[start:end], language_code) for start, end in spans)
    gaps = tuple(
        _normalise_gap(text[end:start]) for end, start in zip(ends, starts[1:], strict=False)
    )
    return Tokens(starts, ends, lowered, gaps)


def _normalise_gap(gap: str) -> str:
    if gap == " " or not gap:
        return gap
    return _WHITESPACE.sub(" ", gap)


@lru_cache(maxsize=1 << 17)  # link anchors repeat across pages and requests
def anchor_key(text: str, language_code: str | None = None) -> str:
    """The dictionary key of an anchor or mention: tokens lower-cased, whitespace collapsed.

    Text before the first and after the last token is kept (collapsed and lower-cased), so an
    anchor such as `C++` keeps its own key instead of polluting `c`.
    """
    tokens = tokenize(text, language_code)
    if not len(tokens):
        return lower(_WHITESPACE.sub(" ", text).strip(), language_code)
    parts = [lower(_WHITESPACE.sub(" ", text[: tokens.starts[0]]).lstrip(), language_code)]
    for index, token in enumerate(tokens.lowered):
        if index:
            parts.append(tokens.gaps[index - 1])
        parts.append(token)
    parts.append(lower(_WHITESPACE.sub(" ", text[tokens.ends[-1] :]).rstrip(), language_code))
    return "".join(parts)


def token_prefixes(key: str, language_code: str | None = None) -> list[str]:
    """Every token prefix of an anchor key (`new`, `new york`, `new york city`).

    Used to walk a sentence from each token only as far as some anchor can still match.
    """
    tokens = tokenize(key, language_code)
    prefixes = []
    current = ""
    for index, token in enumerate(tokens.lowered):
        current = current + (tokens.gaps[index - 1] if index else "") + token
        prefixes.append(current)
    return prefixes


def has_no_space_script(text: str) -> bool:
    """Whether `text` contains a character of a script written without spaces."""
    return _NO_SPACE_CHAR.search(text) is not None


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split one line of text into sentence spans `(start, end)` (code points)."""
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        position = match.start()
        if text[position] == "." and not _WORD3.fullmatch(text, max(0, position - 3), position):
            continue
        end = match.end()
        stripped_end = end
        while stripped_end > position and text[stripped_end - 1].isspace():
            stripped_end -= 1
        if stripped_end > start:
            spans.append((start, stripped_end))
        start = end
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def line_spans(text: str) -> list[tuple[int, int]]:
    """Split text into sentence spans, never crossing a newline."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            spans.extend((offset + s, offset + e) for s, e in sentence_spans(line))
        offset += len(line) + 1
    return spans
