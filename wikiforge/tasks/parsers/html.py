"""HTML helpers shared by the parsers (lxml)."""

from __future__ import annotations

import html as htmllib
import re
from urllib.parse import urljoin

import lxml.html
from lxml import etree

_SPACE = re.compile(r"\s+")
_DURATION = re.compile(
    r"P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?",
    re.I,
)
_TAG = re.compile(r"<[^>]+>")
_PUNCT_AFTER_SPACE = re.compile(r"\s+([.,;:!?])(?=\s|$)")
DROP_TAGS = ("script", "style", "noscript", "template", "svg", "button", "iframe")


def parse_html(html: str) -> lxml.html.HtmlElement:
    """Parse a page leniently (lxml's HTML parser recovers from broken markup)."""
    if not html.strip():
        raise ValueError("empty page")
    # lxml refuses str input that carries an XML encoding declaration.
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html, count=1)
    return lxml.html.fromstring(html)


def clean_text(text: str | None) -> str:
    """Unescape entities (twice-escaped ones too), drop tags, collapse whitespace."""
    if not text:
        return ""
    text = htmllib.unescape(htmllib.unescape(str(text)))
    if "<" in text:
        # A tag is a word break, except before punctuation ("<b>leeks</b>." stays "leeks.").
        text = _PUNCT_AFTER_SPACE.sub(r"\1", _TAG.sub(" ", text))
    return _SPACE.sub(" ", text.replace("\xa0", " ")).strip()


def element_text(element, drop: tuple[str, ...] = DROP_TAGS, skip_classes=()) -> str:
    """Visible text of an element, without scripts/styles and without `skip_classes` parts."""
    parts: list[str] = []

    def walk(node) -> None:
        if not isinstance(node.tag, str):  # comments, processing instructions
            if node.tail:
                parts.append(node.tail)
            return
        classes = (node.get("class") or "").split()
        hidden = "display:none" in (node.get("style") or "").replace(" ", "").lower()
        if node.tag in drop or hidden or any(c in classes for c in skip_classes):
            if node.tail:
                parts.append(node.tail)
            return
        if node.tag in ("br", "p", "li", "div"):
            parts.append(" ")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
        if node.tag in ("p", "li", "div"):
            parts.append(" ")
        if node.tail:
            parts.append(node.tail)

    tail, element.tail = element.tail, None
    try:
        walk(element)
    finally:
        element.tail = tail
    return clean_text("".join(parts))


def meta_content(root, *names: str) -> str:
    """First non-empty `<meta property|name=...>` content among `names`."""
    for name in names:
        for el in root.xpath(f'//meta[@property="{name}" or @name="{name}"]'):
            content = (el.get("content") or "").strip()
            if content:
                return clean_text(content)
    return ""


def image_url(img, base_url: str) -> str:
    """Best real source of an `<img>` (lazy-loading attributes first), absolute."""
    for attr in ("data-src", "data-lazy-src", "data-original", "data-srclarge", "src"):
        value = (img.get(attr) or "").strip()
        if value and not value.startswith("data:"):
            return urljoin(base_url, value)
    srcset = img.get("data-srcset") or img.get("srcset") or ""
    if srcset.strip():
        return urljoin(base_url, srcset.strip().split(",")[0].split()[0])
    return ""


def iso_duration_minutes(value) -> int:
    """`PT1H30M` -> 90; plain numbers are minutes; anything else 0."""
    if value is None:
        return 0
    if isinstance(value, (int, float)):
        return int(value)
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    match = _DURATION.fullmatch(text)
    if not match or not any(match.groupdict().values()):
        return 0
    g = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
    return int(round(g["d"] * 1440 + g["h"] * 60 + g["m"] + g["s"] / 60))


def tostring(element) -> str:
    """Serialised HTML of an element (for debugging and tests)."""
    return etree.tostring(element, encoding="unicode", method="html")
