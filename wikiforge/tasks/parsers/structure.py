"""Layer 5: the page-structure fallback, for pages with no recipe markup at all.

Ingredients are lists (or tables) whose rows read like amounts of something, or the rows under
a heading that names ingredients; steps are the rows of an element labelled as instructions,
else the rows under an instructions heading, else repeated instruction elements, else the
section after the ingredient list, else numbered lists of sentence-long items
(`structural_steps`). The page's title and captioned images are read here too (every layer
uses them).
"""

from __future__ import annotations

import re

from wikiforge.tasks.parsers.html import clean_text, element_text, image_url, meta_content
from wikiforge.tasks.parsers.model import ParsedImage, ParsedStep
from wikiforge.tasks.parsers.rules import ALL_RULES, label_pattern
from wikiforge.tasks.parsers.schema_values import STEP_NUMBER as _STEP_NUMBER

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


# An amount opens the row: a number of at most three digits (a year or a reference number is
# not an amount) followed by a space, a unit letter or a fraction, or a vulgar fraction, or a
# quantity word.
_QUANTITY = re.compile(
    r"^\s*(?:\d{1,3}(?:[.,/]\d+)?(?:\s|[a-zµ\u00bc-\u00be\u2150-\u215e-]|$)"
    r"|[\u00bc-\u00be\u2150-\u215e]|(?i:a|an|one|two|three|half|pinch|handful|some)\b)"
)
_LIST_TAGS = ("ul", "ol")


def _list_items(element) -> list[str]:
    return [t for t in (element_text(li) for li in element.iterchildren("li")) if t]


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


def _outside_rows(element, anchor, taken: list) -> bool:
    """Not a candidate row: inside the heading or a row already taken, a script or control,
    or not rendered (the HTML `hidden` attribute: a paywalled copy, a template).
    """
    if element.tag in ("script", "style", "button", "nav", "footer", "input", "svg"):
        return True
    ancestors = list(element.iterancestors())
    return (
        any(a is anchor for a in ancestors)
        or any(t in ancestors for t in taken[-3:])
        or element.get("hidden") is not None
        or any(a.get("hidden") is not None for a in ancestors)
    )


def _section_rows(
    heading,
    max_rows: int = 80,
    same_label: re.Pattern | None = None,
    short_rows: int = 0,
    ends=None,
    elements: list | None = None,
) -> list[str]:
    """Texts of the rows that follow `heading` in document order, up to the next heading-like
    element (an ingredient or instruction section, whatever the markup: lists, table rows,
    paragraphs or bare divs). `elements`, when given, receives each row's element.

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
    found = elements if elements is not None else []
    for element in anchor.getroottree().getroot().iter():
        if element is anchor:
            started = True
            continue
        if not started or not isinstance(element.tag, str) or _outside_rows(element, anchor, taken):
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
                found.append(element)
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
            found.append(element)
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
    after=None,
) -> list[str]:
    """Rows (those `keep` accepts) under the first heading whose text matches `label` and that
    has at least `min_rows` of them; with `after`, only headings that follow that element.
    """
    tags = frozenset((*_HEADING_TAGS, "strong", "b"))
    passed = after is None
    for heading in root.iter():
        if heading is after:
            passed = True
        if not passed or heading.tag not in tags:
            continue
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


def _looks_like_ingredients(items: list[str], known: list[str]) -> bool:
    """Short rows, most opening with an amount (or naming the schema.org ingredients)."""
    if len(items) < 2 or sum(len(i) for i in items) / len(items) > 120:
        return False
    quantity = sum(1 for i in items if _QUANTITY.match(i)) / len(items)
    lowered = " | ".join(items).lower()
    named = (sum(1 for n in known if n in lowered) / len(known)) if known else 0.0
    return quantity >= 0.6 or (bool(known) and named >= 0.5 and quantity >= 0.3)


def _labelled_ingredients(root, known: list[str], rules: frozenset[str]) -> list[str]:
    """Rows under a heading that names ingredients; ingredient groups ("For the sauce") are
    small headings inside the section: only a major heading or the instructions' label ends it.
    """
    label = label_pattern("ingredient-word", rules)
    steps_label = label_pattern("instruction-word", rules)
    if label is None:
        return []
    rows = labelled_section(
        root,
        label,
        keep=lambda r: not r.endswith(":"),
        short_rows=150,
        ends=lambda el, text: (
            el.tag in ("h1", "h2", "h3", "h4") or bool(steps_label and steps_label.search(text))
        ),
    )
    lowered = " | ".join(rows).lower()
    named = (sum(1 for n in known if n in lowered) / len(known)) if known else 1.0
    if len(rows) >= 2 and sum(len(r) for r in rows) / len(rows) <= 120 and named >= 0.5:
        return list(dict.fromkeys(rows))
    return []


def _classed_ingredients(root, known: list[str], rules: frozenset[str]) -> list[str]:
    """Rows of the first element whose id/class names ingredients and that look like them."""
    label = label_pattern("ingredient-word", rules)
    if label is None:
        return []
    for element in root.xpath("//*[@id or @class]"):
        names = f"{element.get('id') or ''} {element.get('class') or ''}"
        if element.tag in ("body", "html", "script") or not label.search(names):
            continue
        items = _row_texts(element)
        if _looks_like_ingredients(items, known):
            return items
    return []


def structural_ingredients(
    root, known_names: list[str] | None = None, rules: frozenset[str] = ALL_RULES
) -> tuple[list[str], str]:
    """Ingredient lines from the page's structure, in page order, and the rule that found them:
    lists (or tables) whose rows mostly open with an amount or contain the schema.org
    ingredient names, else the rows under an ingredients heading, else the rows of an element
    whose id/class names ingredients.
    """
    known = [n.lower() for n in (known_names or []) if n]
    chosen: list[str] = []
    if "ingredients:amount-lists" in rules:
        for element in root.iter(*_LIST_TAGS, "table"):
            items = _row_texts(element) if element.tag == "table" else _list_items(element)
            if _looks_like_ingredients(items, known):
                chosen.extend(items)
    if chosen:
        return list(dict.fromkeys(chosen)), "ingredients:amount-lists"
    for rule, finder in (
        ("ingredients:heading", _labelled_ingredients),
        ("ingredients:class", _classed_ingredients),
    ):
        rows = finder(root, known, rules) if rule in rules else []
        if rows:
            return list(dict.fromkeys(rows)), rule
    return [], ""


def _steps(rows: list[str]) -> list[ParsedStep]:
    return [ParsedStep(text=_STEP_NUMBER.sub("", t)) for t in rows]


def _classed_steps(root, rules: frozenset[str]) -> list[str]:
    """The li/p rows of the first element whose id/class names instructions."""
    label = label_pattern("instruction-class", rules)
    if label is None:
        return []
    for element in root.xpath("//*[@id or @class]"):
        names = f"{element.get('id') or ''} {element.get('class') or ''}"
        if element.tag in ("body", "html", "script") or not label.search(names):
            continue
        items = [
            element_text(x)
            for x in element.cssselect("li, p")
            if x.tag == "li" or not any(a.tag == "li" for a in x.iterancestors())
        ]
        items = [i for i in dict.fromkeys(items) if len(i) > 25]
        if len(items) >= 2 or (items and len(items[0]) > 200):
            return items
    return []


_LABEL_ATTRIBUTES = ("class", "id", "data-testid", "data-test-id", "data-component")


def repeated_instruction_rows(root, rules: frozenset[str] = ALL_RULES) -> list[str]:
    """Sibling-free repeated elements labelled as one instruction each (a class, id or test id
    naming an instruction/step, the same label on every one, at least two), sentence-long.
    """
    label = label_pattern("instruction-class", rules)
    if label is None:
        return []
    groups: dict[str, list] = {}
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in ("body", "html", "script"):
            continue
        for attr in _LABEL_ATTRIBUTES:
            value = element.get(attr) or ""
            if (
                value
                and label.search(value)
                and not value.rstrip("s").endswith(("list", "section"))
            ):
                groups.setdefault(f"{attr}={value}", []).append(element)
    best: list[str] = []
    for elements in groups.values():
        if len(elements) < 2 or any(a in elements for e in elements for a in e.iterancestors()):
            continue
        rows = [t for t in (element_text(e) for e in elements) if len(t) > 25]
        if len(rows) >= 2 and len(rows) > len(best):
            best = rows
    return best


def _step_row(row: str) -> bool:
    """A row of an instructions section is a step when sentence-long, or a short sentence
    ("Let cool and serve."): labels, captions and bylines are neither.
    """
    return len(row) > 25 or (len(row.split()) >= 3 and row.endswith((".", "!")))


def _list_steps(root) -> list[str]:
    """No heading: every numbered list of sentence-long items (recipes in several parts have
    one list per part), else the first such bulleted list.
    """
    for tags in (("ol",), ("ul",)):
        rows: list[str] = []
        for element in root.iter(*tags):
            items = _list_items(element)
            if len(items) >= 2 and sum(len(i) for i in items) / len(items) > 60:
                rows.extend(items)
                if tags == ("ul",):
                    break
        if rows:
            return rows
    return []


_NOT_WORD = re.compile(r"\W+")


def _row_key(text: str) -> str:
    return _NOT_WORD.sub(" ", text.casefold()).strip()


def _last_ingredient_row(root, ingredients: list[str]):
    """The last list item, table row or paragraph of the page that is one of the ingredient
    lines (compared without case and punctuation), or None.
    """
    wanted = {key for line in ingredients if (key := _row_key(line))}
    if len(wanted) < 2:
        return None
    last = None
    for element in root.iter("li", "tr", "p", "dd"):
        if _row_key(element_text(element)) in wanted:
            last = element
    return last


def _step_rows_after(anchor) -> list[str]:
    """Sentence-long rows after `anchor` up to the next heading once rows have begun; when the
    first row is a list item, only list items (the byline and share buttons after the steps'
    list are not steps).
    """
    found: list = []
    rows = _section_rows(anchor, elements=found)
    if found and found[0].tag == "li":
        rows = [r for r, e in zip(rows, found, strict=True) if e.tag == "li"]
    rows = [r for r in rows if _step_row(r)]
    if rows and not _looks_like_ingredients(rows, []) and sum(map(len, rows)) >= 80:
        return rows
    return []


_NAME_WORD = re.compile(r"[^\W\d_]{4,}")


def _mentions_ingredients(rows: list[str], ingredients: list[str]) -> bool:
    """The rows name at least two words of the ingredient lines (a method uses its
    ingredients; a page's price ranges followed by its error message do not).
    """
    names = {w for line in ingredients for w in _NAME_WORD.findall(line.casefold())}
    text = " ".join(rows).casefold()
    return sum(1 for w in names if w in text) >= 2


def after_ingredients_rows(root, ingredients: list[str] | None) -> list[str]:
    """The sentence-long rows of the section that follows the page's ingredient list.

    On a recipe page the method comes right after the ingredients, whatever its heading says
    (a word no vocabulary holds, the dish's own name) or with no heading at all: the rows after
    the list holding the last ingredient line, up to the next heading once they have begun.
    Rows that repeat one another (photo credits under a run of images) are not steps: then the
    section of the first heading after the list is taken. Rows that read like more ingredients,
    or that name none of them, are not steps either.
    """
    last = _last_ingredient_row(root, ingredients or [])
    if last is None:
        return []
    lists = ("ul", "ol", "table", "dl")
    anchor = next((a for a in last.iterancestors() if a.tag in lists), last)
    rows = _step_rows_after(anchor)
    if not rows or len(set(rows)) < len(rows):
        rows = []
        started = False
        for element in root.iter():
            if element is anchor:
                started = True
            elif (
                started
                and isinstance(element.tag, str)
                and _is_heading(element)
                and not any(a is anchor for a in element.iterancestors())
            ):
                rows = _step_rows_after(element)
                break
    if len(set(rows)) < len(rows) or not _mentions_ingredients(rows, ingredients or []):
        return []
    return rows


def _heading_steps(root, label: re.Pattern | None, ingredients: list[str] | None) -> list[str]:
    """Rows under an instructions heading: the first such heading after the ingredient list
    when there is one (a blog's narrative "How to make it" above the recipe card is a summary;
    the card's own instructions follow its ingredients), else the first on the page.
    """
    if label is None:
        return []
    last = _last_ingredient_row(root, ingredients or [])
    rows = labelled_section(root, label, keep=_step_row, after=last) if last is not None else []
    return rows or labelled_section(root, label, keep=_step_row)


def structural_steps(
    root, rules: frozenset[str] = ALL_RULES, ingredients: list[str] | None = None
) -> tuple[list[ParsedStep], str]:
    """Instruction steps and the rule that found them: the rows of an element labelled as
    instructions (a recipe card's own markup), else the rows under an instructions heading
    (after the ingredient list when there is one), else repeated instruction elements, else the
    section after the ingredient list, else numbered lists of sentence-long items.
    `ingredients` are the ingredient lines found (they locate the sections that follow them).
    """
    label = label_pattern("instruction-word", rules)
    finders = (
        ("steps:class", lambda: _classed_steps(root, rules)),
        ("steps:heading", lambda: _heading_steps(root, label, ingredients)),
        ("steps:repeated", lambda: repeated_instruction_rows(root, rules)),
        ("steps:after-ingredients", lambda: after_ingredients_rows(root, ingredients)),
        ("steps:numbered-lists", lambda: _list_steps(root)),
    )
    for rule, finder in finders:
        rows = finder() if rule in rules else []
        if rows:
            return _steps(rows), rule
    return [], ""


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
