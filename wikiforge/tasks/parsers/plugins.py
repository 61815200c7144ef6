"""Layer 4: recipe-plugin markup, keyed on the plugins' public class names.

These are markup conventions of widely installed recipe-card plugins (WP Recipe Maker, Tasty
Recipes, Mediavine Create, WPZoom, ZipList / Yummly, EasyRecipe, Cooked, ...), shared by
thousands of sites, not the markup of any one site. Only used when the page carries no usable
schema.org object.
"""

from __future__ import annotations

from wikiforge.tasks.parsers.html import element_text, image_url, meta_content
from wikiforge.tasks.parsers.model import ParsedImage, ParsedRequirement, ParsedStep, ParsedTask
from wikiforge.tasks.parsers.schema_values import STEP_NUMBER as _STEP_NUMBER
from wikiforge.tasks.parsers.structure import page_title

# (plugin, ingredient rows, instruction rows, recipe title): the plugins' documented classes.
PLUGIN_SELECTORS = (
    ("wprm", ".wprm-recipe-ingredient", ".wprm-recipe-instruction-text", ".wprm-recipe-name"),
    ("wpurp", ".wpurp-recipe-ingredient", ".wpurp-recipe-instruction-text", ".wpurp-recipe-title"),
    (
        "tasty",
        ".tasty-recipes-ingredients li",
        ".tasty-recipes-instructions li",
        ".tasty-recipes-title",
    ),
    ("mediavine", ".mv-create-ingredients li", ".mv-create-instructions li", ".mv-create-title"),
    ("wpzoom", ".wpzoom-rcb-ingredient-name", ".wpzoom-rcb-direction", ".recipe-card-title"),
    (
        "ziplist",
        "#zlrecipe-ingredients-list li, .zlrecipe-ingredient",
        "#zlrecipe-instructions-list li, .zlrecipe-instruction",
        "#zlrecipe-title, .zlrecipe-title",
    ),
    ("easyrecipe", ".easyrecipe .ingredient", ".easyrecipe .instruction", ".easyrecipe .ERSName"),
    ("cooked", ".cooked-single-ingredient", ".cooked-dir-content", ".cooked-recipe-title, h1"),
    (
        "itemprop",
        "[itemprop=recipeIngredient]",
        "[itemprop=recipeInstructions] li",
        "[itemprop=name]",
    ),
)
# Class-name conventions (not one plugin's): rows of lists inside elements named after
# ingredients and instructions. Part of the page-structure layer.
CLASS_NAME_SELECTORS = tuple(
    ("class-names", "[class*=ingredient] li", f"[class*={word}] li", "h1")
    for word in ("instruction", "direction", "method", "preparation", "step")
)


def _steps(root, selector: str, url: str) -> list[ParsedStep]:
    steps: list[ParsedStep] = []
    for el in root.cssselect(selector):
        text = element_text(el)
        if text and text not in (s.text for s in steps):
            imgs = [
                ParsedImage(url=image_url(i, url), alt=i.get("alt") or "") for i in el.iter("img")
            ]
            steps.append(
                ParsedStep(text=_STEP_NUMBER.sub("", text), images=[i for i in imgs if i.url])
            )
    return steps


def parse_plugin_markup(root, url: str, selectors=PLUGIN_SELECTORS) -> ParsedTask | None:
    """The first plugin whose markup gives ingredients and steps; None if none does."""
    for name, ingredient_sel, step_sel, title_sel in selectors:
        ingredients = [element_text(e) for e in root.cssselect(ingredient_sel)]
        ingredients = [i for i in dict.fromkeys(ingredients) if i and len(i) < 300]
        steps = _steps(root, step_sel, url) if ingredients else []
        if ingredients and steps:
            titles = root.cssselect(title_sel)
            title = element_text(titles[0]) if titles else ""
            return ParsedTask(
                title=title or page_title(root),
                url=url,
                steps=steps,
                requirements=[ParsedRequirement(name=i) for i in ingredients],
                description=meta_content(root, "og:description", "description"),
                thumbnail_url=meta_content(root, "og:image"),
                parser=name if name == "class-names" else f"plugin:{name}",
            )
    return None
