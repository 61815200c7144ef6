"""What a parser extracts from a page, before it becomes a TaskMap, and the TaskMap builder.

Node ids are derived from the TaskMap id and the node's position (not uuid4 as in OAT), so
parsing the same page twice gives byte-identical TaskMaps. Steps are chained through
`connection_list` in execution order: parts one after another in one chain, alternative methods
(wikiHow's "Method 2 of 3") each as their own chain (OAT kept only the first method).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from wikiforge.tasks.proto import (
    Connection,
    ExecutionStep,
    ExtraInfo,
    Image,
    OutputInteraction,
    Requirement,
    ScreenInteraction,
    TaskMap,
    Video,
)
from wikiforge.tasks.records import domain_name

# OAT: a headline longer than this is spoken; shorter ones are only shown.
HEADLINE_MIN_CHARS = 10


@dataclass
class ParsedImage:
    """An image URL with its alt text / caption."""

    url: str
    alt: str = ""


@dataclass
class ParsedStep:
    """One instruction: optional bold headline, its body text, images, section name."""

    text: str
    headline: str = ""
    images: list[ParsedImage] = field(default_factory=list)
    video_url: str = ""
    section: str = ""


@dataclass
class ParsedRequirement:
    """An ingredient (`SOFTWARE`, consumed) or a tool (`HARDWARE`)."""

    name: str
    amount: str = ""
    is_tool: bool = False


@dataclass
class ParsedTask:
    """Everything a parser found on one page."""

    title: str
    url: str
    steps: list[ParsedStep] = field(default_factory=list)
    requirements: list[ParsedRequirement] = field(default_factory=list)
    description: str = ""
    date: str = ""
    author: str = ""
    tags: list[str] = field(default_factory=list)
    thumbnail_url: str = ""
    active_time_minutes: int = 0
    total_time_minutes: int = 0
    serves: str = ""
    rating_out_100: int = 0
    rating_count: int = 0
    # Images of the page not placed in any step (the image augmenter may attach them).
    page_images: list[ParsedImage] = field(default_factory=list)
    parser: str = ""
    # The sections are alternative methods (wikiHow "Method 1 of 3"): each is its own chain.
    # Otherwise (parts, one method) the steps form one chain in page order.
    alternative_sections: bool = False


def taskmap_id_for(url: str) -> str:
    """OAT's TaskMap id: md5 hex of the source URL."""
    return hashlib.md5(url.encode("utf-8")).hexdigest()


def node_id(taskmap_id: str, kind: str, index: int) -> str:
    """A stable node id (uuid-shaped hex) for the index-th node of a kind."""
    digest = hashlib.md5(f"{taskmap_id}:{kind}:{index}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def make_step(taskmap_id: str, index: int, step: ParsedStep) -> ExecutionStep:
    """A step node: full text spoken; headline and body kept apart on the screen."""
    headline = step.headline.strip()
    body = step.text.strip()
    if headline and body and not body.startswith(headline):
        speech = f"{headline} {body}"
        paragraphs = [headline if headline.endswith((".", "!", "?", ":")) else headline + ".", body]
    else:
        speech = body or headline
        paragraphs = [speech]
    screen = ScreenInteraction(
        format=ScreenInteraction.TEXT_IMAGE if step.images else ScreenInteraction.TEXT_ONLY,
        headline=headline if len(headline) > HEADLINE_MIN_CHARS else headline,
        subheader=step.section,
        paragraphs=paragraphs,
        image_list=[Image(path=i.url, alt_text=i.alt) for i in step.images],
    )
    if step.video_url:
        screen.video.CopyFrom(Video(hosted_mp4=step.video_url))
    return ExecutionStep(
        unique_id=node_id(taskmap_id, "step", index),
        response=OutputInteraction(speech_text=speech, description=body, screen=screen),
    )


def build_taskmap(parsed: ParsedTask, dataset: str = "common-crawl") -> TaskMap:
    """Turn a ParsedTask into a TaskMap with linear `connection_list` edges."""
    tid = taskmap_id_for(parsed.url)
    steps = [make_step(tid, i, s) for i, s in enumerate(parsed.steps)]
    requirements = [
        Requirement(
            unique_id=node_id(tid, "requirement", i),
            type=Requirement.HARDWARE if r.is_tool else Requirement.SOFTWARE,
            name=r.name,
            amount=r.amount,
        )
        for i, r in enumerate(parsed.requirements)
    ]
    connections = [
        Connection(id_from=a.unique_id, id_to=b.unique_id)
        for i, (a, b) in enumerate(zip(steps, steps[1:], strict=False))
        if not (
            parsed.alternative_sections and parsed.steps[i].section != parsed.steps[i + 1].section
        )
    ]
    page_images = [
        ExtraInfo(
            type=ExtraInfo.EXTRADETAILS,
            unique_id=node_id(tid, "image", i),
            keyword="page_image",
            text=img.alt,
            image_url=img.url,
        )
        for i, img in enumerate(parsed.page_images)
    ]
    thumbnail = parsed.thumbnail_url
    return TaskMap(
        taskmap_id=tid,
        title=parsed.title,
        date=parsed.date,
        source_url=parsed.url,
        description=parsed.description,
        thumbnail_url=thumbnail,
        active_time_minutes=parsed.active_time_minutes,
        total_time_minutes=parsed.total_time_minutes,
        rating_out_100=parsed.rating_out_100,
        rating_count=parsed.rating_count,
        tags=parsed.tags,
        serves=parsed.serves,
        requirement_list=requirements,
        steps=steps,
        connection_list=connections,
        extra_information=page_images,
        dataset=dataset,
        author=parsed.author,
        domain_name=domain_name(parsed.url),
        extraction_layer=parsed.parser,
    )


def execution_order(taskmap: TaskMap) -> list[ExecutionStep]:
    """Steps in execution order, following `connection_list` from the step nothing points to.

    Steps not reachable from the start (should not happen for parser output) follow in
    storage order, so no step is ever lost.
    """
    by_id = {s.unique_id: s for s in taskmap.steps}
    nexts: dict[str, str] = {}
    targets = set()
    for edge in taskmap.connection_list:
        if edge.id_from in by_id and edge.id_to in by_id:
            nexts.setdefault(edge.id_from, edge.id_to)
            targets.add(edge.id_to)
    order: list[ExecutionStep] = []
    seen: set[str] = set()
    for step in taskmap.steps:
        if step.unique_id in targets or step.unique_id in seen:
            continue
        current = step.unique_id
        while current and current not in seen:
            seen.add(current)
            order.append(by_id[current])
            current = nexts.get(current, "")
    order.extend(s for s in taskmap.steps if s.unique_id not in seen)
    return order


def step_text(step: ExecutionStep) -> str:
    """The step's full text (headline and body)."""
    return step.response.speech_text
