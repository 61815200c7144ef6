"""What a Commons category listing in the landing zone tells image suggestions.

Wikimedia Commons publishes the same SQL dumps as any wiki: with ``commonswiki-<date>-page``
and ``commonswiki-<date>-categorylinks`` (``cl_to``, or ``cl_target_id`` -> ``linktarget`` since
MediaWiki 1.45) in ``dumps/commonswiki/<date>/``, this module reads, in one pass over each dump:

* the files of the categories asked for (the P373 categories of unillustrated articles' items);
* which of a set of file names exist on Commons (ns 6, not a redirect): the reference kept only
  other wikis' lead images that do, since a local non-free file cannot be shown elsewhere;
* the placeholder files: the reference excluded every file of the categories a PetScan query
  returned; here the files of ``PLACEHOLDER_CATEGORIES`` (the query itself cannot be run
  offline).

The dumps are streamed; only rows of the wanted categories and names are kept, so memory is
bounded by what is asked for, not by the size of Commons.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from os import PathLike

import polars as pl

from wikiforge.dumps.sql_reader import SqlDump
from wikiforge.errors import InputError
from wikiforge.images.files import FILE_NAMESPACE, normalize_category, normalize_file_name

CATEGORY_NAMESPACE = 14

#: Commons categories whose files are placeholders ("no image available" pictures).
PLACEHOLDER_CATEGORIES = ("Image_placeholders", "No_image_available_placeholders")

_EMPTY_FILES = {"category": pl.String, "image": pl.String, "file_page_id": pl.Int64}


@dataclass
class CommonsListing:
    """The parts of a Commons listing image suggestions use.

    Attributes:
        category_files: ``category``, ``image``, ``file_page_id`` for every file (ns 6,
            non-redirect page) of the wanted categories.
        existing: The asked-for file names that exist on Commons.
        placeholders: Files of the placeholder categories.
        stats: Counts of the read.
    """

    category_files: pl.DataFrame
    existing: frozenset[str]
    placeholders: frozenset[str]
    stats: dict[str, int] = field(default_factory=dict)


def _category_targets(linktarget: str | PathLike[str], wanted: set[str]) -> dict[int, str]:
    targets: dict[int, str] = {}
    with SqlDump(linktarget, table="linktarget") as dump:
        for lt_id, namespace, title in dump.rows(["lt_id", "lt_namespace", "lt_title"]):
            if namespace == CATEGORY_NAMESPACE and title in wanted:
                targets[lt_id] = title
    return targets


def read_commons_listing(
    categorylinks: str | PathLike[str],
    page: str | PathLike[str],
    *,
    categories: Collection[str],
    file_names: Collection[str] = (),
    linktarget: str | PathLike[str] | None = None,
    placeholder_categories: Collection[str] = PLACEHOLDER_CATEGORIES,
) -> CommonsListing:
    """Read the wanted categories' files and the existence of ``file_names`` from Commons dumps.

    Args:
        categorylinks: Commons' ``categorylinks`` dump.
        page: Commons' ``page`` dump.
        categories: Category names (database form) whose files are wanted.
        file_names: File names (database form) whose existence is asked.
        linktarget: Commons' ``linktarget`` dump, needed for a ``cl_target_id`` categorylinks.
        placeholder_categories: Categories whose files count as placeholders.

    Raises:
        InputError: on malformed SQL or a ``cl_target_id`` dump without its linktarget.
    """
    wanted = {c for c in (normalize_category(c) for c in categories) if c}
    placeholder_set = {c for c in (normalize_category(c) for c in placeholder_categories) if c}
    all_wanted = wanted | placeholder_set
    stats = {"categorylinks_rows": 0, "category_file_links": 0, "page_rows": 0}
    members: dict[int, list[str]] = {}
    with SqlDump(categorylinks, table="categorylinks") as dump:
        names = dump.column_names
        has_type = "cl_type" in names
        if "cl_to" in names:
            columns = ["cl_from", "cl_to"] + (["cl_type"] if has_type else [])
            resolve = None
        elif "cl_target_id" in names:
            if linktarget is None:
                raise InputError(
                    categorylinks,
                    "header",
                    "categorylinks uses cl_target_id but "
                    "there is no Commons linktarget dump to resolve it",
                )
            columns = ["cl_from", "cl_target_id"] + (["cl_type"] if has_type else [])
            resolve = _category_targets(linktarget, all_wanted)
        else:
            raise InputError(
                categorylinks,
                "header",
                f"categorylinks has neither cl_to nor cl_target_id ({names})",
            )
        for row in dump.rows(columns):
            stats["categorylinks_rows"] += 1
            if has_type and row[2] != "file":
                continue
            category = resolve.get(row[1]) if resolve is not None else row[1]
            if category is None or category not in all_wanted:
                continue
            members.setdefault(row[0], []).append(category)
            stats["category_file_links"] += 1
    asked = {n for n in (normalize_file_name(n) for n in file_names) if n}
    rows: list[tuple[str, str, int]] = []
    existing: set[str] = set()
    placeholders: set[str] = set()
    with SqlDump(page, table="page") as dump:
        for page_id, namespace, title, redirect in dump.rows(
            ["page_id", "page_namespace", "page_title", "page_is_redirect"]
        ):
            stats["page_rows"] += 1
            if namespace != FILE_NAMESPACE or redirect:
                continue
            in_categories = members.get(page_id)
            if in_categories is None and not asked:
                continue
            name = normalize_file_name(title)
            if name is None:
                continue
            if name in asked:
                existing.add(name)
            for category in in_categories or ():
                if category in placeholder_set:
                    placeholders.add(name)
                if category in wanted:
                    rows.append((category, name, page_id))
    frame = (
        pl.DataFrame(rows, schema=_EMPTY_FILES, orient="row").unique().sort("category", "image")
        if rows
        else pl.DataFrame(schema=_EMPTY_FILES)
    )
    stats["category_files"] = frame.height
    return CommonsListing(frame, frozenset(existing), frozenset(placeholders), stats)
