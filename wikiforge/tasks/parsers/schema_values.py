"""schema.org property values -> plain Python: text, images, authors, steps, ratings, requirements.

Values come in every shape the vocabulary allows and sites invent (a string, a list, an object
with `name`/`text`/`@value`, HTML and entities inside strings); each helper accepts them all.
"""

from __future__ import annotations

import re

from wikiforge.tasks.parsers.html import clean_text
from wikiforge.tasks.parsers.jsonld import schema_types
from wikiforge.tasks.parsers.model import ParsedImage, ParsedRequirement, ParsedStep

STEP_NUMBER = re.compile(r"^\s*(?:step\s*)?\d{1,2}\s*[.):]\s+", re.I)


def first(value):
    """The first scalar or object of a (nested) list value."""
    while isinstance(value, list):
        if not value:
            return None
        value = value[0]
    return value


def text_of(value) -> str:
    """A value as clean text (objects by their `name`, `text` or `@value`)."""
    value = first(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("text") or value.get("@value") or ""
    return clean_text(value) if value is not None else ""


def image_of(value) -> str:
    """An image value's URL (string, ImageObject, list of either)."""
    value = first(value)
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id") or ""
    return str(value).strip() if value else ""


def authors_of(value) -> str:
    """Author names, comma-joined, duplicates dropped."""
    names = [text_of(item) for item in (value if isinstance(value, list) else [value])]
    return ", ".join(dict.fromkeys(n for n in names if n))


def strings_of(value) -> list[str]:
    """A value flattened to a list of strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text_of(value)]
    out = []
    for item in value:
        out.extend(strings_of(item))
    return out


def split_instruction_text(text: str) -> list[str]:
    """A single instructions string: split at line breaks, paragraphs, list items or numbers."""
    text = re.sub(r"(?i)<br\s*/?>|</p>|</li>", "\n", text)
    lines = [clean_text(x) for x in re.split(r"\n+", text)]
    lines = [STEP_NUMBER.sub("", x) for x in lines if x]
    if len(lines) == 1:
        numbered = re.split(r"(?:^|\s)(?=\d{1,2}[.)]\s+[A-Z])", lines[0])
        numbered = [STEP_NUMBER.sub("", clean_text(x)) for x in numbered if clean_text(x)]
        if len(numbered) > 1:
            return numbered
    return lines


def _step_children(value: dict):
    return value.get("itemListElement") or value.get("steps") or value.get("step")


def _one_step(value: dict, section: str) -> list[ParsedStep]:
    """A HowToStep / HowToDirection / HowToTip object: text, name as headline, image, video."""
    text = value.get("text") or value.get("description") or value.get("@value") or ""
    if isinstance(text, list):
        text = " ".join(strings_of(text))
    name = text_of(value.get("name"))
    text = clean_text(text) or name
    if not text:
        return []
    headline = ""
    if name and name != text and not text.startswith(name.rstrip(".…")) and len(name) < len(text):
        headline = name
    images = [ParsedImage(url=img, alt=headline)] if (img := image_of(value.get("image"))) else []
    video = value.get("video")
    video_url = image_of(video.get("contentUrl") if isinstance(video, dict) else None)
    return [
        ParsedStep(
            text=text, headline=headline, images=images, section=section, video_url=video_url
        )
    ]


def steps_of(value, section: str = "") -> list[ParsedStep]:
    """RecipeInstructions / step: strings, HowToStep, HowToSection, HowToDirection, lists."""
    if value is None:
        return []
    if isinstance(value, str):
        return [ParsedStep(text=t, section=section) for t in split_instruction_text(value)]
    if isinstance(value, list):
        return [step for item in value for step in steps_of(item, section)]
    if not isinstance(value, dict):
        return []
    children = _step_children(value)
    if children and ("howtosection" in schema_types(value) or not value.get("text")):
        return steps_of(children, text_of(value.get("name")) or section)
    return _one_step(value, section)


def _number(value, default: float) -> float:
    return float(str(value).replace(",", ".")) if value not in (None, "") else default


def rating_of(value) -> tuple[int, int]:
    """AggregateRating -> (rating out of 100, count); OAT stores ratings as an int out of 100."""
    value = first(value)
    if not isinstance(value, dict):
        return 0, 0
    try:
        rating = _number(value.get("ratingValue"), 0.0)
        best = _number(value.get("bestRating"), 5.0)
        worst = _number(value.get("worstRating"), 0.0 if best == 100 else 1.0)
    except ValueError:
        return 0, 0
    count_raw = value.get("ratingCount") or value.get("reviewCount") or 0
    try:
        count = int(float(str(count_raw).replace(",", "")))
    except ValueError:
        count = 0
    if best <= worst:
        return 0, count
    scaled = (
        round(100 * (rating - worst) / (best - worst)) if worst > 0 else round(100 * rating / best)
    )
    return max(0, min(100, scaled)), count


def keywords_of(value) -> list[str]:
    """Comma-separated keyword strings (or lists of them) as single keywords."""
    return [x.strip() for item in strings_of(value) for x in item.split(",") if x.strip()]


def requirements_of(obj: dict) -> list[ParsedRequirement]:
    """RecipeIngredient / ingredients lines, then HowTo supplies and tools."""
    reqs = [
        ParsedRequirement(name=text)
        for line in strings_of(obj.get("recipeIngredient") or obj.get("ingredients"))
        if (text := clean_text(line))
    ]
    for key, is_tool in (("supply", False), ("tool", True)):
        items = obj.get(key) or []
        for item in items if isinstance(items, list) else [items]:
            name = text_of(item)
            if name:
                amount = text_of(item.get("requiredQuantity")) if isinstance(item, dict) else ""
                reqs.append(ParsedRequirement(name=name, amount=amount, is_tool=is_tool))
    return reqs
