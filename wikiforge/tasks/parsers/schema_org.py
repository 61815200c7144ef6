"""Generic parser for schema.org `Recipe` and `HowTo` in JSON-LD or microdata: any site.

JSON-LD blocks are read leniently (comments, raw newlines and trailing commas are tolerated,
`@graph` and nested objects are searched); microdata is read with extruct. When a page has
neither, common recipe-plugin markup (WP Recipe Maker, Tasty Recipes, Mediavine, ...) and
generic `ingredient`/`instruction` class names are tried.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from wikiforge.tasks.parsers.html import (
    clean_text,
    element_text,
    image_url,
    iso_duration_minutes,
    meta_content,
)
from wikiforge.tasks.parsers.model import (
    ParsedImage,
    ParsedRequirement,
    ParsedStep,
    ParsedTask,
)

TASK_TYPES = ("recipe", "howto")
_TRAILING_COMMA = re.compile(r",\s*([\]}])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_STEP_NUMBER = re.compile(r"^\s*(?:step\s*)?\d{1,2}\s*[.):]\s+", re.I)


def _load_json_lenient(text: str):
    text = text.strip().removeprefix("<!--").removesuffix("-->").strip()
    text = text.removeprefix("//<![CDATA[").removesuffix("//]]>").strip()
    try:
        return json.loads(text, strict=False)
    except json.JSONDecodeError:
        pass
    fixed = _TRAILING_COMMA.sub(r"\1", _CONTROL.sub(" ", text))
    try:
        return json.loads(fixed, strict=False)
    except json.JSONDecodeError:
        # Several objects pasted one after another.
        decoder = json.JSONDecoder(strict=False)
        items, pos = [], 0
        while pos < len(fixed):
            while pos < len(fixed) and fixed[pos] in " \t\r\n;,":
                pos += 1
            if pos >= len(fixed):
                break
            try:
                obj, pos = decoder.raw_decode(fixed, pos)
            except json.JSONDecodeError:
                break
            items.append(obj)
        return items or None


def _types(obj: dict) -> list[str]:
    raw = obj.get("@type") or obj.get("type") or []
    raw = raw if isinstance(raw, list) else [raw]
    return [str(t).rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower() for t in raw]


def _walk(obj, depth: int = 0) -> Iterator[dict]:
    if depth > 12:
        return
    if isinstance(obj, list):
        for item in obj:
            yield from _walk(item, depth + 1)
    elif isinstance(obj, dict):
        yield obj
        for key, value in obj.items():
            if key in ("@context",):
                continue
            if isinstance(value, (dict, list)):
                yield from _walk(value, depth + 1)


def jsonld_objects(root) -> Iterator[dict]:
    """Every JSON object (nested ones too) of the page's JSON-LD blocks."""
    for script in root.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        data = _load_json_lenient(script.text or "")
        if data is not None:
            yield from _walk(data)


def microdata_objects(html: str, url: str) -> Iterator[dict]:
    """schema.org items from microdata, shaped like JSON-LD (`@type` + properties)."""
    if "itemtype" not in html:
        return
    from extruct.w3cmicrodata import MicrodataExtractor

    try:
        items = MicrodataExtractor().extract(html, base_url=url)
    except Exception:  # noqa: BLE001 - extruct raises assorted errors on broken markup
        return
    for item in items:
        for obj in _walk(item):
            if "type" in obj and "properties" in obj:
                flat = dict(obj["properties"])
                flat["@type"] = obj["type"]
                yield flat


def _first(value):
    while isinstance(value, list):
        if not value:
            return None
        value = value[0]
    return value


def _text(value) -> str:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("text") or value.get("@value") or ""
    return clean_text(value) if value is not None else ""


def _image(value) -> str:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id") or ""
    return str(value).strip() if value else ""


def _author(value) -> str:
    names = []
    for item in value if isinstance(value, list) else [value]:
        name = _text(item)
        if name:
            names.append(name)
    return ", ".join(dict.fromkeys(names))


def _list_of_strings(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [_text(value)]
    out = []
    for item in value:
        out.extend(_list_of_strings(item))
    return out


def _split_instruction_text(text: str) -> list[str]:
    """A single instructions string: split at line breaks or numbered items."""
    text = re.sub(r"(?i)<br\s*/?>|</p>|</li>", "\n", text)
    lines = [clean_text(x) for x in re.split(r"\n+", text)]
    lines = [_STEP_NUMBER.sub("", x) for x in lines if x]
    if len(lines) == 1:
        numbered = re.split(r"(?:^|\s)(?=\d{1,2}[.)]\s+[A-Z])", lines[0])
        numbered = [_STEP_NUMBER.sub("", clean_text(x)) for x in numbered if clean_text(x)]
        if len(numbered) > 1:
            return numbered
    return lines


def _steps(value, section: str = "", base_url: str = "") -> list[ParsedStep]:
    """RecipeInstructions / step: strings, HowToStep, HowToSection, HowToDirection, lists."""
    if value is None:
        return []
    if isinstance(value, str):
        return [ParsedStep(text=t, section=section) for t in _split_instruction_text(value)]
    if isinstance(value, list):
        out: list[ParsedStep] = []
        for item in value:
            out.extend(_steps(item, section, base_url))
        return out
    if not isinstance(value, dict):
        return []
    kinds = _types(value)
    children = value.get("itemListElement") or value.get("steps") or value.get("step")
    if ("howtosection" in kinds or (children and not value.get("text"))) and children:
        name = _text(value.get("name")) or section
        return _steps(children, name, base_url)
    text = value.get("text") or value.get("description") or value.get("@value") or ""
    if isinstance(text, list):
        text = " ".join(_list_of_strings(text))
    name = _text(value.get("name"))
    text = clean_text(text) or name
    if not text:
        return []
    headline = ""
    if name and name != text and not text.startswith(name.rstrip(".…")) and len(name) < len(text):
        headline = name
    images = []
    img = _image(value.get("image"))
    if img:
        images.append(ParsedImage(url=img, alt=headline))
    video = value.get("video")
    video_url = _image(video.get("contentUrl") if isinstance(video, dict) else None)
    return [
        ParsedStep(
            text=text, headline=headline, images=images, section=section, video_url=video_url
        )
    ]


def _rating(value) -> tuple[int, int]:
    value = _first(value)
    if not isinstance(value, dict):
        return 0, 0
    try:
        rating = float(str(value.get("ratingValue", 0)).replace(",", "."))
        best = float(str(value.get("bestRating") or 5).replace(",", "."))
        worst = float(str(value.get("worstRating") or (0 if best == 100 else 1)).replace(",", "."))
    except ValueError:
        return 0, 0
    count_raw = value.get("ratingCount") or value.get("reviewCount") or 0
    try:
        count = int(float(str(count_raw).replace(",", "")))
    except ValueError:
        count = 0
    if best <= worst:
        return 0, count
    # OAT stores ratings as an int out of 100.
    scaled = (
        round(100 * (rating - worst) / (best - worst)) if worst > 0 else round(100 * rating / best)
    )
    return max(0, min(100, scaled)), count


def _keywords(value) -> list[str]:
    out = []
    for item in _list_of_strings(value):
        out.extend(x.strip() for x in item.split(",") if x.strip())
    return out


def _object_score(obj: dict) -> int:
    ingredients = obj.get("recipeIngredient") or obj.get("ingredients") or obj.get("supply") or []
    instructions = obj.get("recipeInstructions") or obj.get("step") or []
    return (
        len(_list_of_strings(ingredients))
        + 2 * len(_steps(instructions))
        + (5 if obj.get("name") else 0)
    )


def find_task_object(root, html: str, url: str) -> dict | None:
    """The page's best schema.org Recipe/HowTo object (JSON-LD and microdata).

    Fields the best object lacks (ingredients, instructions) are filled from the page's other
    Recipe/HowTo objects, since sites often split them between JSON-LD and microdata.
    """
    candidates = [
        obj
        for source in (jsonld_objects(root), microdata_objects(html, url))
        for obj in source
        if any(t in TASK_TYPES for t in _types(obj))
    ]
    if not candidates:
        return None
    best = dict(max(candidates, key=_object_score))
    for key in ("recipeIngredient", "recipeInstructions", "step", "supply", "tool"):
        if not best.get(key):
            for other in candidates:
                if other.get(key):
                    best[key] = other[key]
                    break
    return best


def _requirements(obj: dict) -> list[ParsedRequirement]:
    reqs: list[ParsedRequirement] = []
    ingredients = obj.get("recipeIngredient") or obj.get("ingredients")
    for line in _list_of_strings(ingredients):
        text = clean_text(line)
        if text:
            reqs.append(ParsedRequirement(name=text))
    for key, is_tool in (("supply", False), ("tool", True)):
        for item in obj.get(key) or []:
            name = _text(item)
            if name:
                amount = ""
                if isinstance(item, dict):
                    amount = _text(item.get("requiredQuantity"))
                reqs.append(ParsedRequirement(name=name, amount=amount, is_tool=is_tool))
    return reqs


def parse_schema_object(obj: dict, root, url: str) -> ParsedTask:
    """Map a schema.org Recipe/HowTo object onto a ParsedTask."""
    instructions = obj.get("recipeInstructions")
    if instructions is None:
        instructions = obj.get("step")
    steps = [s for s in _steps(instructions, base_url=url) if s.text]
    rating, count = _rating(obj.get("aggregateRating"))
    tags = _keywords(obj.get("keywords"))
    for key in ("recipeCategory", "recipeCuisine"):
        tags.extend(_keywords(obj.get(key)))
    yields = obj.get("recipeYield") or obj.get("yield")
    serves = _text(yields[-1] if isinstance(yields, list) and yields else yields)
    prep = iso_duration_minutes(_first(obj.get("prepTime")))
    cook = iso_duration_minutes(_first(obj.get("cookTime")))
    total = iso_duration_minutes(_first(obj.get("totalTime"))) or (prep + cook)
    date = _text(obj.get("datePublished"))[:10]
    return ParsedTask(
        title=_text(obj.get("name")) or _text(obj.get("headline")) or page_title(root),
        url=url,
        steps=steps,
        requirements=_requirements(obj),
        description=_text(obj.get("description")),
        date=date if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else "",
        author=_author(obj.get("author")),
        tags=list(dict.fromkeys(tags)),
        thumbnail_url=_image(obj.get("image")),
        active_time_minutes=prep,
        total_time_minutes=total,
        serves=serves,
        rating_out_100=rating,
        rating_count=count,
        parser="schema.org",
    )


_SITE_SUFFIX = re.compile(r"\s+[|\u2013\u2014-]\s+[^|\u2013\u2014-]{2,60}$")


_NAMESPACE = re.compile(r"^[A-Z][a-z]+:(?=\S)")


def page_title(root) -> str:
    """The page's own title: the first h1, else og:title / <title> without "| Site name".

    When the h1 merely extends og:title (a byline inside the heading: "Pie by Site"), the
    shorter og:title wins; a MediaWiki namespace prefix ("Cookbook:Pie") is dropped.
    """
    meta = meta_content(root, "og:title")
    if not meta:
        titles = root.xpath("//title")
        meta = element_text(titles[0]) if titles else ""
    for _ in range(2):  # "Title | Section | Site"
        meta = _SITE_SUFFIX.sub("", meta).strip()
    heading = ""
    for h1 in root.xpath("//h1"):
        heading = element_text(h1)
        if heading:
            break
    title = heading or meta
    if heading and meta and heading != meta and heading.startswith(meta):
        title = meta
    return _NAMESPACE.sub("", title)


# Recipe plugins' markup, for pages without schema.org data: (ingredient, instruction, title).
PLUGIN_SELECTORS = (
    (".wprm-recipe-ingredient", ".wprm-recipe-instruction-text", ".wprm-recipe-name"),
    (".tasty-recipes-ingredients li", ".tasty-recipes-instructions li", ".tasty-recipes-title"),
    (".mv-create-ingredients li", ".mv-create-instructions li", ".mv-create-title"),
    (".wpzoom-rcb-ingredient-name", ".wpzoom-rcb-direction", ".recipe-card-title"),
    ("[itemprop=recipeIngredient]", "[itemprop=recipeInstructions] li", "[itemprop=name]"),
    ("[class*=ingredient] li", "[class*=instruction] li", "h1"),
    ("[class*=ingredient] li", "[class*=direction] li", "h1"),
    ("[class*=ingredient] li", "[class*=method] li", "h1"),
    ("[class*=ingredient] li", "[class*=preparation] li", "h1"),
    ("[class*=ingredient] li", "[class*=step] li", "h1"),
)


def parse_plugin_markup(root, url: str) -> ParsedTask | None:
    """Recipe-plugin or generic class-name markup; None if nothing usable is found."""
    for ingredient_sel, step_sel, title_sel in PLUGIN_SELECTORS:
        ingredients = [element_text(e) for e in root.cssselect(ingredient_sel)]
        ingredients = [i for i in dict.fromkeys(ingredients) if i and len(i) < 300]
        steps_el = root.cssselect(step_sel)
        steps = []
        for el in steps_el:
            text = element_text(el)
            if text and text not in (s.text for s in steps):
                imgs = [
                    ParsedImage(url=image_url(i, url), alt=i.get("alt") or "")
                    for i in el.iter("img")
                ]
                steps.append(
                    ParsedStep(text=_STEP_NUMBER.sub("", text), images=[i for i in imgs if i.url])
                )
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
                parser="plugin-markup",
            )
    return None


_QUANTITY = re.compile(
    r"^\s*(?:\d|[\u00bc-\u00be\u2150-\u215e]|(?:a|an|one|two|three|"
    r"half|pinch|handful|some)\b)",
    re.I,
)
_INSTRUCTION_HEADING = re.compile(
    r"instruction|direction|method|preparation|steps|how to make|zubereitung|pr[ée]paration|"
    r"preparaci[óo]n|procedimento|bereiding|fremgangsm[åa]de|elk[ée]sz[íi]t[ée]s|przygotowanie|"
    r"postup|tillagning|g[öo]r s[åa] h[äa]r|valmistus",
    re.I,
)
_LIST_TAGS = ("ul", "ol")


def _list_items(element) -> list[str]:
    return [t for t in (element_text(li) for li in element.iterchildren("li")) if t]


_INGREDIENT_LABEL = re.compile(r"ingredient|zutat|ingr[ée]dient|hozz[áa]val[óo]|sk[łl]adnik", re.I)


def _row_texts(container) -> list[str]:
    rows = container.cssselect("li") or container.cssselect("tr") or container.cssselect("p")
    return [t for t in (element_text(r) for r in rows) if t and len(t) < 200]


_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5")
_BLOCK_TAGS = frozenset(
    (
        "div",
        "p",
        "li",
        "ul",
        "ol",
        "table",
        "tr",
        "section",
        "article",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "footer",
        "nav",
        "aside",
        "form",
        "figure",
        "blockquote",
        "dl",
        "dd",
        "dt",
    )
)
_INSTRUCTION_LABEL = re.compile(
    r"instruction|direction|preparation|method|steps|zubereitung|elk[ée]sz[íi]t|bereiding", re.I
)


def _heading_like(element) -> bool:
    """h1-h5, or a paragraph/div whose whole text is one bold label."""
    if element.tag in _HEADING_TAGS:
        return True
    if element.tag in ("p", "div"):
        bold = element.cssselect("b, strong")
        text = element_text(element)
        return bool(bold) and bool(text) and len(text) < 60 and element_text(bold[0]) == text
    return False


def _is_heading(element) -> bool:
    return _heading_like(element) and bool(element_text(element))


def _section_rows(
    heading,
    max_rows: int = 80,
    same_label: re.Pattern | None = None,
    short_rows: int = 0,
    ends=None,
) -> list[str]:
    """Texts of the rows that follow `heading` in document order, up to the next heading-like
    element (an ingredient or instruction section, whatever the markup: lists, table rows,
    paragraphs or bare divs).

    Rows are block-level leaves; with `short_rows` > 0, the outermost blocks whose text is at
    most that long are rows instead (so "2 cups" + "flour" in two inner divs stay one row).
    """
    anchor = heading
    parent = heading.getparent()
    if (
        heading.tag in ("b", "strong")
        and parent is not None
        and element_text(parent) == element_text(heading)
    ):
        anchor = parent
    rows: list[str] = []
    started = False
    taken: list = []
    for element in anchor.getroottree().getroot().iter():
        if element is anchor:
            started = True
            continue
        if not started or not isinstance(element.tag, str):
            continue
        ancestors = list(element.iterancestors())
        if any(a is anchor for a in ancestors) or any(t in ancestors for t in taken[-3:]):
            continue
        if element.tag in ("script", "style", "button", "nav", "footer", "input", "svg"):
            continue
        if _is_heading(element):
            # Sub-sections with the same kind of label ("Preparación del arroz") continue it,
            # and so does any heading `ends` does not accept as the section's end.
            text = element_text(element)
            if (
                rows
                and not (same_label and same_label.search(text))
                and (ends is None or ends(element, text))
            ):
                break
            if rows and ends is not None and not ends(element, text):
                rows.append(text)
            continue
        if element.tag not in _BLOCK_TAGS or element.tag in ("ul", "ol", "table", "dl"):
            continue
        text = element_text(element)
        if short_rows:
            if not text or len(text) > short_rows:
                continue
        elif any(
            child.tag in _BLOCK_TAGS
            for child in element.iterchildren()
            if isinstance(child.tag, str)
        ):
            continue  # not a leaf block: its children are visited on their own
        if text and len(text) < 1500:
            rows.append(text)
            taken.append(element)
            if len(rows) >= max_rows:
                break
    return rows


def labelled_section(
    root,
    label: re.Pattern,
    keep=lambda row: True,
    min_rows: int = 2,
    short_rows: int = 0,
    ends=None,
) -> list[str]:
    """Rows (those `keep` accepts) under the first heading whose text matches `label` and that
    has at least `min_rows` of them.
    """
    for heading in root.iter(*_HEADING_TAGS, "strong", "b"):
        text = element_text(heading)
        # Labels with digits are facts ("Prep time: 30 min"), not section headings.
        if text and len(text) <= 60 and label.search(text) and not re.search(r"\d", text):
            rows = [
                r
                for r in _section_rows(heading, same_label=label, short_rows=short_rows, ends=ends)
                if keep(r)
            ]
            if len(rows) >= min_rows:
                return rows
    return []


def structural_ingredients(root, known_names: list[str] | None = None) -> list[str]:
    """Ingredient lines from the page's structure, in page order: lists (or tables) whose rows
    mostly start with a quantity or contain the schema.org ingredient names, or the rows of an
    element whose id/class names ingredients.
    """
    known = [n.lower() for n in (known_names or []) if n]

    def looks_like_ingredients(items: list[str]) -> bool:
        if len(items) < 2 or sum(len(i) for i in items) / len(items) > 120:
            return False
        quantity = sum(1 for i in items if _QUANTITY.match(i)) / len(items)
        lowered = " | ".join(items).lower()
        named = (sum(1 for n in known if n in lowered) / len(known)) if known else 0.0
        return quantity >= 0.6 or (bool(known) and named >= 0.5 and quantity >= 0.3)

    chosen: list[str] = []
    for element in root.iter(*_LIST_TAGS, "table"):
        items = _row_texts(element) if element.tag == "table" else _list_items(element)
        if looks_like_ingredients(items):
            chosen.extend(items)
    if not chosen:
        # Ingredient groups ("For the sauce") are small headings inside the section: only a
        # major heading or the instructions' label ends it.
        rows = labelled_section(
            root,
            _INGREDIENT_LABEL,
            keep=lambda r: not r.endswith(":"),
            short_rows=150,
            ends=lambda el, text: (
                el.tag in ("h1", "h2", "h3", "h4") or bool(_INSTRUCTION_HEADING.search(text))
            ),
        )
        lowered = " | ".join(rows).lower()
        named = (sum(1 for n in known if n in lowered) / len(known)) if known else 1.0
        if len(rows) >= 2 and sum(len(r) for r in rows) / len(rows) <= 120 and named >= 0.5:
            return list(dict.fromkeys(rows))
        for element in root.xpath("//*[@id or @class]"):
            label = f"{element.get('id') or ''} {element.get('class') or ''}"
            if element.tag in ("body", "html", "script") or not _INGREDIENT_LABEL.search(label):
                continue
            items = _row_texts(element)
            if looks_like_ingredients(items):
                chosen.extend(items)
                break
    return list(dict.fromkeys(chosen))


def structural_steps(root) -> list[ParsedStep]:
    """Instruction steps: the list (or paragraphs) under an instructions heading, else the
    first list of sentence-long items.
    """
    rows = labelled_section(root, _INSTRUCTION_HEADING, keep=lambda r: len(r) > 25)
    if rows:
        return [ParsedStep(text=_STEP_NUMBER.sub("", t)) for t in rows]
    for element in root.xpath("//*[@id or @class]"):
        label = f"{element.get('id') or ''} {element.get('class') or ''}"
        if element.tag in ("body", "html", "script") or not _INSTRUCTION_LABEL.search(label):
            continue
        items = [
            element_text(x)
            for x in element.cssselect("li, p")
            if x.tag == "li" or not any(a.tag == "li" for a in x.iterancestors())
        ]
        items = [i for i in dict.fromkeys(items) if len(i) > 25]
        if len(items) >= 2 or (items and len(items[0]) > 200):
            return [ParsedStep(text=_STEP_NUMBER.sub("", t)) for t in items]
    # No heading: every numbered list of sentence-long items (recipes in several parts have
    # one list per part), else the first such bulleted list.
    for tags in (("ol",), ("ul",)):
        steps = []
        for element in root.iter(*tags):
            items = _list_items(element)
            if len(items) >= 2 and sum(len(i) for i in items) / len(items) > 60:
                steps.extend(ParsedStep(text=_STEP_NUMBER.sub("", t)) for t in items)
                if tags == ("ul",):
                    break
        if steps:
            return steps
    return []


def page_images(root, url: str, limit: int = 40) -> list[ParsedImage]:
    """Content images with a describing alt text or caption (candidates for steps without
    one): inside `<article>`/`<main>` when the page has them, logos and icons left out.
    """
    scope = root.xpath("//article | //main") or [root]
    seen: set[str] = set()
    out: list[ParsedImage] = []
    for container in scope:
        for img in container.iter("img"):
            src = image_url(img, url)
            alt = clean_text(img.get("alt") or img.get("title") or "")
            figure = next((a for a in img.iterancestors() if a.tag == "figure"), None)
            if figure is not None:
                caption = figure.cssselect("figcaption")
                if caption:
                    alt = f"{alt} {element_text(caption[0])}".strip()
            low = src.lower()
            if (
                not src
                or src in seen
                or len(alt.split()) < 2
                or "logo" in low
                or "icon" in low
                or "avatar" in low
                or low.endswith(".svg")
            ):
                continue
            seen.add(src)
            out.append(ParsedImage(url=src, alt=alt))
            if len(out) >= limit:
                return out
    return out


def parse(root, html: str, url: str) -> ParsedTask | None:
    """Parse a page with schema.org data, else recipe-plugin markup, else its list structure.

    Returns None when nothing task-like is found.
    """
    obj = find_task_object(root, html, url)
    parsed = parse_schema_object(obj, root, url) if obj is not None else None
    if parsed is None:
        parsed = parse_plugin_markup(root, url)
    if parsed is None:
        ingredients = structural_ingredients(root)
        steps = structural_steps(root) if ingredients else []
        if not (ingredients and steps):
            return None
        return ParsedTask(
            title=page_title(root),
            url=url,
            steps=steps,
            requirements=[ParsedRequirement(name=i) for i in ingredients],
            description=meta_content(root, "og:description", "description"),
            thumbnail_url=meta_content(root, "og:image"),
            parser="page-structure",
        )
    if not parsed.steps:
        fallback = parse_plugin_markup(root, url)
        parsed.steps = fallback.steps if fallback else structural_steps(root)
        parsed.parser += "+page-structure"
    if not parsed.page_images:
        used = {i.url for step in parsed.steps for i in step.images}
        parsed.page_images = [i for i in page_images(root, url) if i.url not in used]
    names = [r.name for r in parsed.requirements if not r.is_tool]
    if not names or not any(ch.isdigit() for n in names for ch in n):
        # Missing or bare ingredient names ("flour"): the page's own list usually has amounts.
        lines = structural_ingredients(root, names)
        if lines:
            tools = [r for r in parsed.requirements if r.is_tool]
            parsed.requirements = [ParsedRequirement(name=i) for i in lines] + tools
            parsed.parser += "+page-ingredients"
    return parsed
