"""wikiHow article parser: every method and part, headline and body per step, images, videos,
ingredients and things you'll need.

Unlike OAT: alternative methods are all kept, each its own chain of steps (parts stay one
chain; each step's `subheader` names its method or part), the spoken text is headline plus body (OAT spoke the bold headline
only), and non-English wikiHow hosts are accepted.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from wikiforge.tasks.parsers.html import clean_text, element_text, image_url, meta_content
from wikiforge.tasks.parsers.jsonld import jsonld_objects, schema_types
from wikiforge.tasks.parsers.model import ParsedImage, ParsedRequirement, ParsedStep, ParsedTask
from wikiforge.tasks.parsers.schema_values import rating_of

# "Part 1 of 3" (sequential parts) as opposed to "Method 1 of 3" (alternatives).
_PART = re.compile(r"^\s*(?:part|parte|teil|partie|deel|часть)\b", re.I)
_DATE = re.compile(r"(\w+ \d{1,2}, \d{4})")
_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}


def is_wikihow(url: str) -> bool:
    """True for wikihow.com (any language subdomain) and wikihow.xx hosts."""
    host = (urlsplit(url).hostname or "").lower()
    return host == "wikihow.com" or host.endswith(".wikihow.com") or ".wikihow." in f".{host}"


def _section_name(ol) -> str:
    for ancestor in ol.iterancestors():
        classes = (ancestor.get("class") or "").split()
        if "steps" in classes and "section" in classes:
            heads = ancestor.cssselect("h3 .mw-headline") or ancestor.cssselect("h3")
            if heads:
                label = ancestor.cssselect("h3 .method_label")
                name = element_text(heads[0])
                prefix = element_text(label[0]) if label else ""
                return f"{prefix} {name}".strip() if prefix and prefix not in name else name
            return ""
    return ""


def _step_images(li, base_url: str) -> tuple[list[ParsedImage], str]:
    images: list[ParsedImage] = []
    seen = set()
    for img in li.iter("img"):
        src = image_url(img, base_url)
        if not src or "logo" in src.lower() or src in seen:
            continue
        seen.add(src)
        images.append(ParsedImage(url=src, alt=(img.get("alt") or "").strip()))
    video_url = ""
    for video in li.cssselect("video"):
        poster = video.get("data-poster") or video.get("data-giffirstsrc") or ""
        if poster:
            poster = urljoin(base_url, poster)
            if poster not in seen:
                images.append(ParsedImage(url=poster, alt="video still"))
                seen.add(poster)
        src = video.get("data-src") or video.get("src") or ""
        if src and not video_url:
            video_url = urljoin(base_url, src)
    return images, video_url


def _parse_step(li, base_url: str, section: str) -> ParsedStep | None:
    body_el = li.cssselect("div.step")
    if not body_el:
        return None
    body_el = body_el[0]
    bold = body_el.cssselect("b.whb") or body_el.cssselect("b")
    headline = element_text(bold[0]) if bold else ""
    full = element_text(body_el, skip_classes=("reference", "image_details"))
    full = re.sub(r"\[\d+\]", "", full).strip()
    text = full[len(headline) :].strip() if headline and full.startswith(headline) else full
    images, video = _step_images(li, base_url)
    if not (text or headline):
        return None
    return ParsedStep(text=text, headline=headline, images=images, video_url=video, section=section)


def _list_items(root, selector: str, is_tool: bool) -> list[ParsedRequirement]:
    out = []
    for container in root.cssselect(selector):
        for li in container.iter("li"):
            text = element_text(li)
            if text:
                out.append(ParsedRequirement(name=text, is_tool=is_tool))
    return out


def _date(root) -> str:
    for el in root.cssselect(".byline_info_link, .byline_info span, #byline_info"):
        match = _DATE.search(element_text(el))
        if match:
            month, day, year = match.group(1).replace(",", "").split()
            if month.lower() in _MONTHS:
                return f"{year}-{_MONTHS[month.lower()]:02d}-{int(day):02d}"
    return ""


def parse(root, html: str, url: str) -> ParsedTask | None:
    """Parse a wikiHow article; None if it has no steps list."""
    title_el = root.cssselect("#section_0") or root.cssselect("h1")
    title = element_text(title_el[0]) if title_el else meta_content(root, "og:title")
    steps: list[ParsedStep] = []
    for ol in root.cssselect("ol.steps_list_2"):
        section = _section_name(ol)
        for li in ol.iterchildren("li"):
            if not li.get("id"):
                continue
            step = _parse_step(li, url, section)
            if step:
                steps.append(step)
    if not steps:
        return None
    headings = [element_text(h) for h in root.cssselect(".steps.section h3")]
    sections = {s.section for s in steps}
    alternatives = len(sections) > 1 and not any(_PART.match(h) for h in headings)
    intro = root.cssselect("#mf-section-0")
    description = element_text(intro[0], skip_classes=("reference",)) if intro else ""
    author = ""
    for el in root.cssselect(".coauthor_link"):
        text = element_text(el)
        if text and text.lower() not in ("author info", "wikihow staff"):
            author = text
    tags = [element_text(a) for a in root.cssselect(".sp_box.sp_fullbox a")]
    rating = count = 0
    for obj in jsonld_objects(root):
        if "aggregateRating" in obj:
            rating, count = rating_of(obj["aggregateRating"])
        if "howto" in schema_types(obj) and not title:
            title = clean_text(obj.get("name"))
    final = root.cssselect(".final_li img")
    thumbnail = image_url(final[0], url) if final else ""
    if not thumbnail:
        thumbnail = next((i.url for s in reversed(steps) for i in s.images), "")
    return ParsedTask(
        title=title,
        url=url,
        steps=steps,
        requirements=_list_items(root, "#ingredients", False)
        + _list_items(root, "#thingsyoullneed", True),
        description=description,
        date=_date(root),
        author=author,
        tags=[t for t in tags if t],
        thumbnail_url=thumbnail,
        rating_out_100=rating,
        rating_count=count,
        parser="wikihow",
        alternative_sections=alternatives,
    )
