"""The generic extractor: layers tried in order on any page, none of them tuned to a site.

1. schema.org Recipe/HowTo objects: JSON-LD, then microdata, RDFa and the h-recipe
   microformat (`schema_org`); the richest object wins, gaps filled from the others;
2. recipe-plugin markup keyed on the plugins' public class names (`plugins`);
3. the page's structure: ingredient-like lists and instruction sections (`structure`).

Every layer keeps what it found: a schema.org object without steps takes them from the page,
bare ingredient names are replaced by the page's lines with amounts, markup with a truncated
step list gives way to the page's fuller one. `ParsedTask.parser` names the layer and every
fill ("json-ld+steps:heading"), and becomes the TaskMap's `extraction_layer`.

A page that gives no task says why: `markup_without_steps`, `ingredients_without_steps`,
`not_a_task_page:<kind>` (encyclopedia, news, listing, home; see `page_kind`) or
`no_task_markup`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wikiforge.tasks.parsers.html import meta_content
from wikiforge.tasks.parsers.model import ParsedRequirement, ParsedStep, ParsedTask
from wikiforge.tasks.parsers.page_kind import non_task_kind
from wikiforge.tasks.parsers.plugins import (
    CLASS_NAME_SELECTORS,
    PLUGIN_SELECTORS,
    parse_plugin_markup,
)
from wikiforge.tasks.parsers.rules import ALL_RULES
from wikiforge.tasks.parsers.schema_org import find_task_object, parse_schema_object
from wikiforge.tasks.parsers.structure import (
    page_images,
    page_title,
    structural_ingredients,
    structural_steps,
)

# Rules that find sections by their labels (headings, class names): evidence enough that a
# wiki, news or listing page really is a recipe (a Wikibooks cookbook page).
LABELLED_RULES = (
    "ingredients:heading",
    "ingredients:class",
    "steps:heading",
    "steps:class",
    "steps:after-ingredients",
)
_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


@dataclass(frozen=True)
class Extraction:
    """What the generic extractor found (None when nothing) and why not."""

    parsed: ParsedTask | None
    reason: str = "ok"


def _plugins(root, url: str, rules: frozenset[str]):
    """Layer 2: the first enabled plugin's markup, then the class-name conventions."""
    selectors = [s for s in PLUGIN_SELECTORS if f"plugin:{s[0]}" in rules]
    if "class-names" in rules:
        selectors += CLASS_NAME_SELECTORS
    return parse_plugin_markup(root, url, tuple(selectors)) if selectors else None


def _covers(page_steps: list[ParsedStep], markup_steps: list[ParsedStep]) -> bool:
    """The page's steps hold every word of the markup's steps, and more steps."""
    if len(page_steps) <= len(markup_steps):
        return False
    if sum(len(s.text) for s in page_steps) < 2 * sum(len(s.text) for s in markup_steps):
        return False
    page_words = set(_words(" ".join(s.text for s in page_steps)))
    wanted = _words(" ".join(s.text for s in markup_steps))
    return bool(wanted) and sum(w in page_words for w in wanted) >= 0.9 * len(wanted)


def _page_has_more_text(root, parsed: ParsedTask) -> bool:
    """Cheap pre-check for truncated markup: the page's text is far longer than the steps'."""
    markup = sum(len(s.text) for s in parsed.steps)
    return markup < 400 and len(root.text_content()) > 20 * max(markup, 1)


def _fill_steps(parsed: ParsedTask, root, url: str, rules: frozenset[str]) -> None:
    """Markup without steps takes the plugin's or the page's; a truncated list the page's."""
    if not parsed.steps and "fill:steps-from-page" in rules:
        plugin = _plugins(root, url, rules)
        if plugin is not None:
            parsed.steps, parsed.parser = plugin.steps, f"{parsed.parser}+steps:{plugin.parser}"
        else:
            names = [r.name for r in parsed.requirements if not r.is_tool]
            steps, rule = structural_steps(root, rules, names)
            parsed.steps, parsed.parser = steps, f"{parsed.parser}+{rule or 'no-steps'}"
    elif parsed.steps and "fill:truncated-steps" in rules and _page_has_more_text(root, parsed):
        steps, rule = structural_steps(root, rules - {"steps:numbered-lists"})
        if _covers(steps, parsed.steps):
            parsed.steps, parsed.parser = steps, f"{parsed.parser}+truncated:{rule}"


def _fill_ingredients(parsed: ParsedTask, root, rules: frozenset[str]) -> None:
    """Missing or bare ingredient names ("flour"): the page's own list usually has amounts."""
    names = [r.name for r in parsed.requirements if not r.is_tool]
    if "fill:ingredients-from-page" not in rules or (
        names and any(ch.isdigit() for n in names for ch in n)
    ):
        return
    lines, rule = structural_ingredients(root, names, rules)
    if lines:
        tools = [r for r in parsed.requirements if r.is_tool]
        parsed.requirements = [ParsedRequirement(name=i) for i in lines] + tools
        parsed.parser += f"+{rule}"


def _page_structure(root, url: str, rules: frozenset[str]) -> Extraction:
    """Layer 3; on a wiki, news or listing page only steps found by their labels count."""
    ingredients, ingredients_rule = structural_ingredients(root, rules=rules)
    if not ingredients:
        return Extraction(None, "")
    steps, steps_rule = structural_steps(root, rules, ingredients)
    if not steps:
        return Extraction(None, "ingredients_without_steps")
    kind = non_task_kind(root, url) if "gate:page-kind" in rules else "other"
    if kind != "other" and steps_rule not in LABELLED_RULES:
        return Extraction(None, f"not_a_task_page:{kind}")
    parsed = ParsedTask(
        title=page_title(root),
        url=url,
        steps=steps,
        requirements=[ParsedRequirement(name=i) for i in ingredients],
        description=meta_content(root, "og:description", "description"),
        thumbnail_url=meta_content(root, "og:image"),
        parser=f"page-structure:{ingredients_rule}+{steps_rule}",
    )
    return Extraction(parsed)


def _no_task_reason(root, url: str, structure_reason: str) -> str:
    if structure_reason:
        return structure_reason
    kind = non_task_kind(root, url)
    return f"not_a_task_page:{kind}" if kind != "other" else "no_task_markup"


def extract(root, html: str, url: str, rules: frozenset[str] = ALL_RULES) -> Extraction:
    """Run the layers on one parsed page; the first that finds a task wins, then fills."""
    found = find_task_object(root, html, url, rules)
    if found is not None:
        parsed = parse_schema_object(found.obj, root, url, found.layer)
    else:
        parsed = _plugins(root, url, rules)
    if parsed is None:
        structure = _page_structure(root, url, rules)
        if structure.parsed is None:
            return Extraction(None, _no_task_reason(root, url, structure.reason))
        parsed = structure.parsed
    else:
        # Ingredients first: the page's ingredient lines locate the steps that follow them.
        _fill_ingredients(parsed, root, rules)
        _fill_steps(parsed, root, url, rules)
        if not parsed.steps:
            return Extraction(parsed, "markup_without_steps")
    if not parsed.page_images:
        used = {i.url for step in parsed.steps for i in step.images}
        parsed.page_images = [i for i in page_images(root, url) if i.url not in used]
    return Extraction(parsed)
