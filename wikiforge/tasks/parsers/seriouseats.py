"""Serious Eats parser (OAT's selectors, with schema.org metadata filling the gaps)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from wikiforge.tasks.parsers import schema_org
from wikiforge.tasks.parsers.html import element_text, image_url, iso_duration_minutes
from wikiforge.tasks.parsers.model import ParsedImage, ParsedRequirement, ParsedStep, ParsedTask

_MINUTES = re.compile(r"(?:(\d+)\s*(?:hours?|hrs?))?\s*(?:(\d+)\s*(?:minutes?|mins?))?", re.I)


def is_seriouseats(url: str) -> bool:
    """True for seriouseats.com pages."""
    host = (urlsplit(url).hostname or "").lower()
    return host == "seriouseats.com" or host.endswith(".seriouseats.com")


def _minutes(text: str) -> int:
    match = _MINUTES.search(text)
    if not match or not any(match.groups()):
        return iso_duration_minutes(text)
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


def _first_text(root, *selectors: str) -> str:
    for selector in selectors:
        for el in root.cssselect(selector):
            text = element_text(el)
            if text:
                return text
    return ""


def parse(root, html: str, url: str) -> ParsedTask | None:
    """Parse a Serious Eats recipe or how-to page; None without a steps list."""
    steps: list[ParsedStep] = []
    for li in root.cssselect(
        "#structured-project__steps_1-0 ol li, .structured-project__steps ol li"
    ):
        paragraphs = [element_text(p) for p in li.cssselect("p")]
        text = " ".join(p for p in paragraphs if p) or element_text(li, skip_classes=("figure",))
        images = []
        for img in li.iter("img"):
            src = image_url(img, url)
            if src:
                images.append(ParsedImage(url=src, alt=(img.get("alt") or "").strip()))
        if text:
            steps.append(ParsedStep(text=text, images=images))
    requirements = [
        ParsedRequirement(name=element_text(li))
        for li in (
            root.cssselect("#ingredient-list_1-0 li")
            or root.cssselect("#structured-ingredients_1-0 li")
            or root.cssselect(".structured-ingredients__list li")
        )
        if element_text(li)
    ]
    # "Special equipment" paragraph after the steps: comma-separated tools.
    for heading in root.cssselect("h2, h3"):
        if "special equipment" in element_text(heading).lower():
            following = heading.getnext()
            if following is not None:
                for tool in re.split(r",|\band\b", element_text(following)):
                    if tool.strip():
                        requirements.append(ParsedRequirement(name=tool.strip(), is_tool=True))
    obj = schema_org.find_task_object(root, html, url)
    meta = schema_org.parse_schema_object(obj.obj, root, url, obj.layer) if obj else None
    if not steps:
        return meta
    title = _first_text(root, ".heading__title", "h1") or (meta.title if meta else "")
    subtitle = _first_text(root, ".heading__subtitle")
    parsed = ParsedTask(
        title=title,
        url=url,
        steps=steps,
        requirements=requirements or (meta.requirements if meta else []),
        description=subtitle or (meta.description if meta else ""),
        author=_first_text(root, "#mntl-byline__link_1-0", ".mntl-attribution__item-name")
        or (meta.author if meta else ""),
        tags=[element_text(a) for a in root.cssselect("#link-list_1-0 a")]
        or (meta.tags if meta else []),
        parser="seriouseats",
    )
    primary = root.cssselect("img.primary-image, .primary-image__image")
    parsed.thumbnail_url = image_url(primary[0], url) if primary else ""
    active = _first_text(root, "#active-time_1-0 .meta-text__data", ".active-time .meta-text__data")
    total = _first_text(root, ".total-time .meta-text__data")
    parsed.active_time_minutes = _minutes(active) if active else 0
    parsed.total_time_minutes = _minutes(total) if total else 0
    parsed.serves = _first_text(
        root, ".recipe-serving .meta-text__data", ".recipe-yield .meta-text__data"
    )
    if meta:
        parsed.thumbnail_url = parsed.thumbnail_url or meta.thumbnail_url
        parsed.date = meta.date
        parsed.rating_out_100, parsed.rating_count = meta.rating_out_100, meta.rating_count
        parsed.active_time_minutes = parsed.active_time_minutes or meta.active_time_minutes
        parsed.total_time_minutes = parsed.total_time_minutes or meta.total_time_minutes
        parsed.serves = parsed.serves or meta.serves
    return parsed
