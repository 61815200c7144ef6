"""TaskMap augmenters, each returning what it changed.

- `link_requirements`: each step lists (in `screen.requirements`) the requirements it uses,
  matched on the requirement's head noun with quantities, units and preparation notes removed
  (OAT used spaCy noun chunks on the first paragraph only).
- `split_long_steps`: steps over `max_words` are split at sentence boundaries (pysbd) into
  pieces of at most `max_words` words; *every* sentence is kept (OAT kept only sentences with a
  cooking verb) and `connection_list` is rewired in order.
- `attach_images`: steps without an image get the page image whose alt text/caption shares
  the most words with the step (at least 2, and at least 40% of the caption's words); a task
  without a thumbnail gets its last step image.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from wikiforge.tasks.parsers.model import execution_order, node_id
from wikiforge.tasks.proto import Connection, ExecutionStep, Image, ScreenInteraction, TaskMap
from wikiforge.tasks.text import STOPWORDS, folded_tokens

UNITS = frozenset(
    [
        "cup",
        "cups",
        "c",
        "tablespoon",
        "tablespoons",
        "tbsp",
        "tbs",
        "tbl",
        "tb",
        "teaspoon",
        "teaspoons",
        "tsp",
        "t",
        "oz",
        "ounce",
        "ounces",
        "lb",
        "lbs",
        "pound",
        "pounds",
        "g",
        "gram",
        "grams",
        "kg",
        "kilogram",
        "kilograms",
        "mg",
        "ml",
        "milliliter",
        "milliliters",
        "millilitre",
        "millilitres",
        "l",
        "liter",
        "liters",
        "litre",
        "litres",
        "dl",
        "cl",
        "pinch",
        "pinches",
        "dash",
        "dashes",
        "clove",
        "cloves",
        "can",
        "cans",
        "jar",
        "jars",
        "package",
        "packages",
        "pkg",
        "packet",
        "packets",
        "stick",
        "sticks",
        "slice",
        "slices",
        "piece",
        "pieces",
        "bunch",
        "bunches",
        "sprig",
        "sprigs",
        "handful",
        "handfuls",
        "quart",
        "quarts",
        "qt",
        "pint",
        "pints",
        "pt",
        "gallon",
        "gallons",
        "inch",
        "inches",
        "cm",
        "mm",
        "large",
        "medium",
        "small",
        "whole",
        "fresh",
        "freshly",
        "chopped",
        "minced",
        "diced",
        "sliced",
        "grated",
        "ground",
        "finely",
        "roughly",
        "thinly",
        "cut",
        "into",
        "plus",
        "more",
        "needed",
        "taste",
        "optional",
        "about",
        "approximately",
        "heaping",
        "level",
        "room",
        "temperature",
        "divided",
        "softened",
        "melted",
        "cold",
        "warm",
        "hot",
        "x",
        "el",
        "tl",
    ]
)
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NUMBER = re.compile(r"\d+(?:[.,/]\d+)?|[\u00bc-\u00be\u2150-\u215e]")


def requirement_core(name: str) -> list[str]:
    """Content words of a requirement (`2 cups finely chopped red onions, divided` ->
    [`red`, `onion`]).
    """
    text = _PAREN.sub(" ", name).split(",", 1)[0].split(";", 1)[0]
    text = _NUMBER.sub(" ", text)
    words = [
        w
        for w in folded_tokens(text)
        if w not in STOPWORDS and w not in UNITS and not w.isdigit() and len(w) > 1
    ]
    return words


def link_requirements(taskmap: TaskMap) -> int:
    """Add to every step the requirement names it mentions; returns links added."""
    cores = []
    for requirement in taskmap.requirement_list:
        core = requirement_core(requirement.name)
        if core:
            cores.append((requirement.name, core))
    links = 0
    for step in taskmap.steps:
        words = set(folded_tokens(step.response.speech_text))
        present = set(step.response.screen.requirements)
        for name, core in cores:
            head = core[-1]
            matched = head in words and sum(w in words for w in core) * 2 >= len(core)
            if matched and name not in present:
                step.response.screen.requirements.append(name)
                present.add(name)
                links += 1
    return links


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def sentences(text: str) -> list[str]:
    """Sentence split (pysbd, rule-based: handles abbreviations such as `tsp.` and `e.g.`)."""
    return [s.strip() for s in _segmenter().segment(text) if s.strip()]


def _pack(parts: list[str], max_words: int) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    count = 0
    for sentence in parts:
        n = len(sentence.split())
        if current and count + n > max_words:
            chunks.append(" ".join(current))
            current, count = [], 0
        current.append(sentence)
        count += n
    if current:
        chunks.append(" ".join(current))
    return chunks


def split_long_steps(taskmap: TaskMap, max_words: int = 60) -> tuple[int, int]:
    """Split overlong steps; returns (steps split, steps added)."""
    order = execution_order(taskmap)
    new_order: list[ExecutionStep] = []
    origins: list[str] = []  # the original step id of every piece in new_order
    split = added = 0
    for step in order:
        body = step.response.description or step.response.speech_text
        chunks = (
            _pack(sentences(body), max_words)
            if len(step.response.speech_text.split()) > max_words
            else []
        )
        if len(chunks) <= 1:
            new_order.append(step)
            origins.append(step.unique_id)
            continue
        split += 1
        added += len(chunks) - 1
        headline = step.response.screen.headline
        for j, chunk in enumerate(chunks):
            piece = ExecutionStep()
            piece.CopyFrom(step)
            if j > 0:
                piece.unique_id = node_id(step.unique_id, "split", j)
                del piece.response.screen.image_list[:]
                piece.response.screen.ClearField("video")
                piece.response.screen.headline = ""
            spoken = f"{headline} {chunk}" if j == 0 and headline else chunk
            piece.response.speech_text = spoken
            piece.response.description = chunk
            del piece.response.screen.paragraphs[:]
            if j == 0 and headline:
                piece.response.screen.paragraphs.extend([headline, chunk])
            else:
                piece.response.screen.paragraphs.append(chunk)
            new_order.append(piece)
            origins.append(step.unique_id)
    if split:
        del taskmap.steps[:]
        taskmap.steps.extend(new_order)
        # Keep the chains (alternative methods are separate ones): pieces of one step are
        # chained, and an original edge joins its source's last piece to its target's first.
        edges = {(e.id_from, e.id_to) for e in taskmap.connection_list}
        source = {piece.unique_id: origin for piece, origin in zip(new_order, origins, strict=True)}
        del taskmap.connection_list[:]
        taskmap.connection_list.extend(
            Connection(id_from=a.unique_id, id_to=b.unique_id)
            for a, b in zip(new_order, new_order[1:], strict=False)
            if source[a.unique_id] == source[b.unique_id]
            or (source[a.unique_id], source[b.unique_id]) in edges
        )
    return split, added


def attach_images(taskmap: TaskMap, min_shared_words: int = 2) -> tuple[int, int]:
    """Attach page images to imageless steps; fill the thumbnail. Returns (steps, thumbnails)."""
    pool = [
        (info.image_url, info.text, set(folded_tokens(info.text)) - STOPWORDS)
        for info in taskmap.extra_information
        if info.keyword == "page_image" and info.image_url
    ]
    used = {img.path for s in taskmap.steps for img in s.response.screen.image_list}
    attached = 0
    for step in execution_order(taskmap):
        screen = step.response.screen
        if screen.image_list:
            continue
        words = set(folded_tokens(step.response.speech_text)) - STOPWORDS
        best, best_shared = None, 0
        for url, alt, alt_words in pool:
            if url in used:
                continue
            shared = len(words & alt_words)
            # Most of the caption must be about this step, not just share a word or two
            # with it (related-recipe and product images share "cookies", "paper").
            if shared * 5 < 2 * len(alt_words):
                continue
            if shared > best_shared:
                best, best_shared = (url, alt), shared
        if best and best_shared >= min_shared_words:
            screen.image_list.append(Image(path=best[0], alt_text=best[1]))
            screen.format = ScreenInteraction.TEXT_IMAGE
            used.add(best[0])
            attached += 1
    thumbnails = 0
    if not taskmap.thumbnail_url:
        for step in reversed(execution_order(taskmap)):
            if step.response.screen.image_list:
                taskmap.thumbnail_url = step.response.screen.image_list[0].path
                thumbnails = 1
                break
    return attached, thumbnails


def augment(taskmap: TaskMap, counts: Counter, max_words: int = 60) -> TaskMap:
    """Run every augmenter on a copy of `taskmap`, adding what changed to `counts`."""
    out = TaskMap()
    out.CopyFrom(taskmap)
    split, added = split_long_steps(out, max_words)
    links = link_requirements(out)
    images, thumbs = attach_images(out)
    counts["taskmaps"] += 1
    counts["steps_split"] += split
    counts["steps_added_by_split"] += added
    counts["requirement_links"] += links
    counts["step_images_attached"] += images
    counts["thumbnails_filled"] += thumbs
    counts["taskmaps_changed"] += int(bool(split or links or images or thumbs))
    return out
