"""schema.org `Recipe` / `HowTo` objects (JSON-LD, microdata, RDFa, h-recipe) -> ParsedTask.

`find_task_object` gathers the page's Recipe/HowTo objects from every markup, keeps the richest
and fills the fields it lacks from the others (sites often split them between JSON-LD and
microdata); it says which markup the object came from, so the TaskMap can name its layer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wikiforge.tasks.parsers.html import iso_duration_minutes, tostring
from wikiforge.tasks.parsers.jsonld import jsonld_objects, schema_types
from wikiforge.tasks.parsers.microdata import microdata_objects, rdfa_objects
from wikiforge.tasks.parsers.model import ParsedTask
from wikiforge.tasks.parsers.rules import ALL_RULES
from wikiforge.tasks.parsers.schema_values import (
    authors_of,
    first,
    image_of,
    keywords_of,
    rating_of,
    requirements_of,
    steps_of,
    strings_of,
    text_of,
)
from wikiforge.tasks.parsers.structure import page_title

TASK_TYPES = ("recipe", "howto")
FILLED_KEYS = ("recipeIngredient", "recipeInstructions", "step", "supply", "tool")


@dataclass(frozen=True)
class TaskObject:
    """The page's best Recipe/HowTo object and the markup (layer) it came from."""

    obj: dict
    layer: str
    count: int  # how many Recipe/HowTo objects the page has


def hrecipe_objects(root) -> list[dict]:
    """h-recipe microformat items as schema.org-shaped Recipe dicts (mf2py reads only the
    h-recipe elements: on a whole page it takes seconds).
    """
    scopes = root.xpath('//*[contains(concat(" ", normalize-space(@class), " "), " h-recipe ")]')
    if not scopes:
        return []
    from extruct.microformat import MicroformatExtractor

    try:
        items = MicroformatExtractor().extract("".join(tostring(e) for e in scopes))
    except Exception:  # noqa: BLE001 - mf2py raises assorted errors on broken markup
        return []
    out = []
    for item in items:
        if "h-recipe" not in item.get("type", []):
            continue
        props = item.get("properties", {})
        instructions = [
            i.get("html", i.get("value")) if isinstance(i, dict) else i
            for i in props.get("instructions", [])
        ]
        out.append(
            {
                "@type": "Recipe",
                "name": props.get("name"),
                "recipeIngredient": props.get("ingredient"),
                "recipeInstructions": "\n".join(str(i) for i in instructions) or None,
                "recipeYield": props.get("yield"),
                "author": props.get("author"),
                "image": props.get("photo"),
            }
        )
    return out


def _object_score(obj: dict) -> int:
    ingredients = obj.get("recipeIngredient") or obj.get("ingredients") or obj.get("supply") or []
    instructions = obj.get("recipeInstructions") or obj.get("step") or []
    return (
        len(strings_of(ingredients))
        + 2 * len(steps_of(instructions))
        + (5 if obj.get("name") else 0)
    )


def task_candidates(
    root, html: str, url: str, rules: frozenset[str] = ALL_RULES
) -> list[tuple[dict, str]]:
    """Every Recipe/HowTo object of the page with the markup (layer) it came from."""
    sources = {
        "json-ld": lambda: jsonld_objects(root),
        "microdata": lambda: microdata_objects(html, url),
        "rdfa": lambda: rdfa_objects(root),
        "h-recipe": lambda: hrecipe_objects(root),
    }
    return [
        (obj, layer)
        for layer, objects in sources.items()
        if f"layer:{layer}" in rules
        for obj in objects()
        if any(t in TASK_TYPES for t in schema_types(obj))
    ]


def find_task_object(
    root, html: str, url: str, rules: frozenset[str] = ALL_RULES
) -> TaskObject | None:
    """The page's best schema.org Recipe/HowTo object, gaps filled from the others."""
    candidates = task_candidates(root, html, url, rules)
    if not candidates:
        return None
    best, layer = max(candidates, key=lambda c: _object_score(c[0]))
    best = dict(best)
    for key in FILLED_KEYS:
        if not best.get(key):
            best[key] = next((o[key] for o, _ in candidates if o.get(key)), best.get(key))
    return TaskObject(best, layer, len(candidates))


def parse_schema_object(obj: dict, root, url: str, layer: str = "json-ld") -> ParsedTask:
    """Map a schema.org Recipe/HowTo object onto a ParsedTask."""
    instructions = obj.get("recipeInstructions")
    if instructions is None:
        instructions = obj.get("step")
    rating, count = rating_of(obj.get("aggregateRating"))
    tags = keywords_of(obj.get("keywords"))
    for key in ("recipeCategory", "recipeCuisine"):
        tags.extend(keywords_of(obj.get(key)))
    yields = obj.get("recipeYield") or obj.get("yield")
    prep = iso_duration_minutes(first(obj.get("prepTime")))
    cook = iso_duration_minutes(first(obj.get("cookTime")))
    date = text_of(obj.get("datePublished"))[:10]
    return ParsedTask(
        title=text_of(obj.get("name")) or text_of(obj.get("headline")) or page_title(root),
        url=url,
        steps=[s for s in steps_of(instructions) if s.text],
        requirements=requirements_of(obj),
        description=text_of(obj.get("description")),
        date=date if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else "",
        author=authors_of(obj.get("author")),
        tags=list(dict.fromkeys(tags)),
        thumbnail_url=image_of(obj.get("image")),
        active_time_minutes=prep,
        total_time_minutes=iso_duration_minutes(first(obj.get("totalTime"))) or (prep + cook),
        serves=text_of(yields[-1] if isinstance(yields, list) and yields else yields),
        rating_out_100=rating,
        rating_count=count,
        parser=layer,
    )
