"""Finding anchor mentions in text: a token-prefix walk over the anchor keys.

From each token the walk extends one token at a time only while the text so far is a prefix of
some anchor, so a sentence costs about one dictionary lookup per token instead of one per n-gram.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from wikiforge.wikitext.tokens import (
    Tokens,
    has_no_space_script,
    line_spans,
    token_prefixes,
    tokenize,
)

# Mentions up to this many tokens (the reference serves 5 and trains on 10; one cap for both
# here). A script without spaces is tokenised per character, so its cap is higher.
MAX_NGRAM = 5
MAX_NGRAM_NO_SPACE = 12


class _States(dict):
    """`states[key]` is None for a string that is neither an anchor nor a prefix of one."""

    def __missing__(self, key: str) -> None:
        return None


class MentionMatcher:
    """All anchor keys and their token prefixes.

    `prefixes[key]` is True when `key` is a whole anchor, False when it is only a prefix,
    None otherwise (a dict here; a compiled index passes a dict over its memory-mapped trie).
    """

    def __init__(self, keys: Iterable[str], language_code: str | None = None) -> None:
        prefixes: dict[str, bool | None] = _States()
        for key in keys:
            for prefix in token_prefixes(key, language_code):
                prefixes.setdefault(prefix, False)
            prefixes[key] = True
        self.prefixes = prefixes
        self.language_code = language_code

    @classmethod
    def from_states(
        cls, states: dict[str, bool | None], language_code: str | None = None
    ) -> MentionMatcher:
        """A matcher over a prebuilt lookup: a dict whose `states[key]` answers as `prefixes`."""
        matcher = cls((), language_code)
        matcher.prefixes = states
        return matcher

    def __contains__(self, key: str) -> bool:
        return bool(self.prefixes.get(key))  # True only for a whole anchor

    def matches(self, tokens: Tokens, max_ngram: int = MAX_NGRAM) -> list[tuple[int, int, str]]:
        """Every anchor mention in one sentence's tokens, overlapping ones included.

        Returns:
            `(first_token, n_tokens, key)` in order of first token, then length.
        """
        prefixes = self.prefixes
        lowered, gaps = tokens.lowered, tokens.gaps
        count = len(lowered)
        found = []
        for first in range(count):
            key = lowered[first]
            last = first
            while True:
                state = prefixes[key]
                if state is None:
                    break
                if state:
                    found.append((first, last - first + 1, key))
                last += 1
                if last >= count or last - first >= max_ngram:
                    break
                key = key + gaps[last - 1] + lowered[last]
        return found


def max_ngram_for(text: str) -> int:
    """The n-gram cap for a text: higher when it is written without spaces."""
    return MAX_NGRAM_NO_SPACE if has_no_space_script(text) else MAX_NGRAM


def sentence_matches(
    text: str, matcher: MentionMatcher, language_code: str | None
) -> Iterator[tuple[int, Tokens, list[tuple[int, int, str]]]]:
    """Per sentence of `text` that has words: its offset in `text`, its tokens and every anchor
    match in it (`MentionMatcher.matches`, overlapping ones included).
    """
    # A text without a character of a no-space script has none in any of its sentences: one
    # search per text instead of one per sentence.
    mixed = has_no_space_script(text)
    for sentence_start, sentence_end in line_spans(text):
        sentence = text[sentence_start:sentence_end]
        tokens = tokenize(sentence, language_code)
        if len(tokens):
            cap = max_ngram_for(sentence) if mixed else MAX_NGRAM
            yield sentence_start, tokens, matcher.matches(tokens, cap)


def text_mentions(
    text: str, matcher: MentionMatcher, language_code: str | None
) -> Iterator[tuple[int, int, int, str]]:
    """Every anchor mention of one top-level text span, as `(start, end, n_tokens, key)` with
    offsets in `text`: sentence by sentence, longest n-gram first, then leftmost (the
    reference's order). Serving and training both find their mentions here.
    """
    for sentence_start, tokens, found in sentence_matches(text, matcher, language_code):
        found.sort(key=lambda m: (-m[1], m[0]))
        starts, ends = tokens.starts, tokens.ends
        for first, length, key in found:
            yield (
                sentence_start + starts[first],
                sentence_start + ends[first + length - 1],
                length,
                key,
            )


def mask_longest_first(matches: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep non-overlapping matches, longest first, then leftmost (the as-text masking).

    The reference means to mask each matched n-gram so its sub-n-grams are not counted again,
    but its `text.replace` has no effect; this does it.
    """
    if len(matches) < 2:  # nothing can overlap (most sentences): no sort, no set
        return list(matches)
    taken: set[int] = set()
    kept = []
    for first, length, key in sorted(matches, key=lambda m: (-m[1], m[0])):
        positions = range(first, first + length)
        if any(p in taken for p in positions):
            continue
        taken.update(positions)
        kept.append((first, length, key))
    kept.sort()
    return kept
