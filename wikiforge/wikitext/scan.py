"""Top-level plain text of wikitext, found by a scanner instead of a parse tree.

`top_level_spans(wikitext)` gives what `plain.top_level_text` gives (the text nodes that
mwparserfromhell puts at the top level of its tree, with code-point offsets and section numbers)
without building the tree: a regular expression jumps from one markup character to the next, and
each construct is measured (where it ends) rather than parsed. On the 106 long articles of the
English sample this takes 0.7 s where `mwparserfromhell.parse` takes 6.7 s (one core, shared
machine): the parser builds every nested node only for the
recommender to walk its top level.

The rules follow mwparserfromhell 0.7 (its tokenizer decides what is markup; markup that does
not close is text):
- templates and arguments `{{...}}` / `{{{...}}}` (nested), with mwparserfromhell's checks on the
  template name (no `[`, `]`, `<`, `>` or lone braces; text after a line break fails);
- wikilinks `[[title|text]]` (file links with nested links in the caption included), with the
  title checks (no line break, `[`, `}`, `>`, `<`, lone `]` or `{`); `[[//...]]` and
  `[[http://...]]` are external links;
- external links `[http://... text]` and free URLs `http://...` (the URI schemes of
  mwparserfromhell, trailing punctuation left as text);
- tags `<x ...>...</x>`, `<x/>`, the single-only tags (`<br>`), the contents of `nowiki`, `pre`,
  `math` and the other unparsed extension tags taken verbatim; comments `<!-- -->`; HTML entities;
- headings (a line starting with `=` and holding a later `=`), tables `{| ... |}` at a line
  start, list markers `#*;:` at a line start (and the `:` of a `;term : definition` line),
  horizontal rules `----`;
- bold and italic: mwparserfromhell's own resolution of `''` / `'''` / `'''''` runs (a run closes
  at the next matching run anywhere later, not only on its line; a bold run inside italics that
  does not close is retried in a second pass), replayed over the top-level quote runs.

Known differences, on malformed markup only. On the 4,398 articles of the bundled sample wikis
the spans are identical except on three Hausa pages (a `<ref>` left open inside an external link
in a file caption; tables in `<div>`s with stray closing tags), where the recommendations are
nevertheless identical; `tests/links/test_scan.py` checks both. By design: constructs nested deeper
than 40 levels are text (mwparserfromhell's limit is 100); a run of four or
more opening braces is read as text braces around a template; a tag holding `<` in its
attributes is text.
"""

from __future__ import annotations

import bisect
import html.entities
import re

from mwparserfromhell.definitions import PARSER_BLACKLIST, SINGLE, SINGLE_ONLY, URI_SCHEMES

from wikiforge.wikitext.plain import TextSpan, TopLevelText

_BLACKLIST = frozenset(PARSER_BLACKLIST)
_SINGLE_ONLY = frozenset(SINGLE_ONLY)
_SINGLE = frozenset(SINGLE)
_ENTITIES = frozenset(html.entities.entitydefs)

# Characters mwparserfromhell treats as markup: a tag name is a run of anything else.
_MARKERS = "{}[]<>|=&'#*;:/-!\n\""
_TAG_NAME = re.compile(r"[^\s{}\[\]<>|=&'#*;:/\\\-!\"]+")
_TAG_CLOSE = re.compile(r"</([^>]*)>")
_ENTITY = re.compile(r"&(?:#[xX]([0-9a-fA-F]+)|#([0-9]+)|([a-zA-Z0-9]+));")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_WORD_CHAR = re.compile(r"\w")
_SCHEME = re.compile(r"[a-zA-Z0-9+.\-]*:")

# Constructs nested deeper than this are read as text (mwparserfromhell's own limit is 100
# levels; this one keeps the scanner's recursion well inside Python's default stack).
MAX_NESTING = 40

# What can end a body of each kind (a tag body: its closing tag).
_CLOSERS = {"template": "}}", "argument": "}}}", "link": "]]", "ext": "]", "table": "|}"}

# Where something may start at the top level.
# What body_end answers when the body goes on past a token (ends are offsets or None).
_OPEN = -1
# The tokens that can end a body (the others open a nested construct or are text).
_MAY_END = frozenset(("}}", "]]", "]", "\n", "<"))
_TOP = re.compile(r"\{\{|\[|<|&|''|\n|:")
# Inside a template, wikilink, tag body or external link.
_INNER = re.compile(r"\{\{|\}\}|\[\[|\]\]|\[|\]|<|\n|\||''")


class _Scanner:
    """One pass over a page; positions are code-point offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.depth = 0
        self.hit_end = False
        # Results by position: a construct is measured once however often it is met again
        # (mwparserfromhell keeps its failed routes for the same reason).
        self.bodies: dict[tuple[int, str, str], tuple[int | None, bool]] = {}
        self.styles: dict[int, int] = {}
        self.last_closer: dict[str, int] = {}
        self.lowered: str | None = None

    def closes_after(self, closer: str, j: int) -> bool:
        """Whether `closer` occurs at or after j (case-insensitively for closing tags): a body
        that can never close fails at once instead of being scanned to the end.
        """
        last = self.last_closer.get(closer)
        if last is None:
            if closer.startswith("</"):
                if self.lowered is None:
                    self.lowered = self.text.lower()
                last = self.lowered.rfind(closer)
            else:
                last = self.text.rfind(closer)
            self.last_closer[closer] = last
        return last >= j

    # --- comments, entities, tags -------------------------------------------------------------
    def comment(self, i: int) -> int | None:
        end = self.text.find("-->", i + 4)
        return None if end < 0 else end + 3

    def entity(self, i: int) -> int | None:
        match = _ENTITY.match(self.text, i)
        if match is None:
            return None
        hexa, decimal, name = match.groups()
        if name is not None:
            return match.end() if name in _ENTITIES else None
        value = int(hexa, 16) if hexa is not None else int(decimal)
        return match.end() if 1 <= value <= 0x10FFFF else None

    def tag(self, i: int) -> int | None:
        """A tag starting with `<` at i (not a comment, not a closing tag)."""
        text = self.text
        name_match = _TAG_NAME.match(text, i + 1)
        if name_match is None:
            return None
        name = name_match.group().lower()
        j = name_match.end()
        if j >= self.n:
            return None
        if not (text[j] == ">" or text.startswith("/>", j) or text[j].isspace()):
            return None
        gt = text.find(">", j)
        if gt < 0:
            return None
        if "<" in text[j:gt]:
            return None  # a tag inside the attributes: not followed (rare; read as text)
        open_end = gt + 1
        if text[gt - 1] == "/" and gt - 1 >= j:
            return open_end  # self-closing
        if name in _SINGLE_ONLY:
            return open_end
        if name in _BLACKLIST:
            position = open_end
            while True:
                close = text.find("</", position)
                if close < 0:
                    return None
                match = _TAG_CLOSE.match(text, close)
                if match and match.group(1).rstrip().lower() == name:
                    return match.end()
                position = close + 2
        self.hit_end = False
        end = self.body(open_end, "tag", name)
        if end is None and self.hit_end and name in _SINGLE:
            return self.n  # a single tag (li, td, ...) left open runs to the end
        return end

    # --- links -----------------------------------------------------------------------------------
    def ext_link(self, i: int) -> int | None:
        """A bracketed external link `[uri text]` with `[` at i; returns its end."""
        text = self.text
        j = i + 1
        if text.startswith("//", j):
            j += 2
        else:
            match = _SCHEME.match(text, j)
            if match is None:
                return None
            scheme = match.group()[:-1]
            j = match.end()
            slashes = text.startswith("//", j)
            if slashes:
                j += 2
            if not _is_scheme(scheme, slashes):
                return None
        if j >= self.n or text[j] in "\n ]":
            return None
        return self.body(j, "ext")

    def free_link(self, colon: int, text_start: int) -> tuple[int, int] | None:
        """A free URL whose scheme ends at `colon`; returns (start, end) of the link node."""
        text = self.text
        start = colon
        while start > text_start and text[start - 1] in _SCHEME_CHARS:
            start -= 1
        if start > text_start and _WORD_CHAR.match(text[start - 1]):
            return None  # a non-ASCII or `_` word character: not a scheme
        scheme = text[start:colon]
        j = colon + 1
        slashes = text.startswith("//", j)
        if slashes:
            j += 2
        if not _is_scheme(scheme, slashes):
            return None
        if j >= self.n or text[j] in "\n []":
            return None
        end = j
        n = self.n
        while end < n:
            c = text[end]
            if c in '\n[]<>" ':
                if c == "<" and text.startswith("<!--", end):
                    close = self.comment(end)
                    if close is None:
                        break
                    end = close
                    continue
                break
            if c == "'" and text.startswith("''", end):
                break
            if c == "{" and text.startswith("{{", end):
                node = self.template(end)
                if node is None:
                    end += 2
                    continue
                end = node[1]
                continue
            end += 1
        # Trailing punctuation stays text; `)` too unless the URL holds a `(`.
        punctuation = ",;\\.:!?" if "(" in text[j:end] else ",;\\.:!?)"
        stop = end
        while stop > j and text[stop - 1] in punctuation:
            stop -= 1
        if stop <= j:
            return None
        return start, stop

    def wikilink(self, i: int) -> int | None:
        """A wikilink with `[[` at i; returns its end (None: the `[[` is text)."""
        text = self.text
        j = i + 2
        n = self.n
        # The title.
        while True:
            if j >= n:
                return None
            c = text[j]
            if c == "|":
                j += 1
                break
            if c == "]":
                if text.startswith("]]", j):
                    return j + 2
                return None
            if c == "{":
                if text.startswith("{{", j):
                    node = self.template(j)
                    if node is None or node[0] != j:
                        return None
                    j = node[1]
                    continue
                return None
            if c in "\n[}>":
                return None
            if c == "<":
                if text.startswith("<!--", j):
                    end = self.comment(j)
                    if end is None:
                        return None
                    j = end
                    continue
                return None
            j += 1
        return self.body(j, "link")

    # --- templates -------------------------------------------------------------------------------
    def template(self, i: int) -> tuple[int, int] | None:
        """A template or argument whose braces start at i: `(start, end)` of the node.

        Three braces: an argument, else a text `{` and a template (as mwparserfromhell).
        """
        text = self.text
        braces = 2
        while i + braces < self.n and text[i + braces] == "{":
            braces += 1
        if braces >= 4:
            return None  # the caller reads the extra braces as text
        end = self.body(i + braces, "argument" if braces == 3 else "template")
        if end is not None:
            return i, end
        if braces == 3:
            end = self.body(i + 3, "template")
            if end is not None:
                return i + 1, end
        return None

    def _template_name_ok(self, start: int, stop: int) -> bool:
        """Mwparserfromhell's checks on a template name (text between `{{` and `|` / `}}`)."""
        text = self.text
        has_text = False
        fail_on_text = False
        j = start
        while j < stop:
            c = text[j]
            if c == "{" and text.startswith("{{", j):
                node = self.template(j)
                if node is None or node[1] > stop:
                    return False
                has_text = True
                j = node[1]
                continue
            if c == "<" and text.startswith("<!--", j):
                end = self.comment(j)
                if end is None or end > stop:
                    return False
                j = end
                continue
            if c in "[]<>{}":
                return False
            if has_text:
                if fail_on_text:
                    if not c.isspace():
                        return False
                elif c == "\n":
                    fail_on_text = True
            elif not c.isspace():
                has_text = True
            j += 1
        return has_text

    # --- bodies ----------------------------------------------------------------------------------
    def body(self, j: int, kind: str, tag_name: str = "") -> int | None:
        """Find where a construct's body ends, skipping the constructs nested in it."""
        key = (j, kind, tag_name)
        known = self.bodies.get(key)
        if known is not None:
            self.hit_end = known[1]
            return known[0]
        if tag_name not in _SINGLE and not self.closes_after(
            _CLOSERS.get(kind) or "</" + tag_name, j
        ):
            self.hit_end = True
            self.bodies[key] = (None, True)
            return None
        if self.depth >= MAX_NESTING:
            self.bodies[key] = (None, False)
            return None  # nested too deeply: the construct is text
        self.depth += 1
        try:
            self.hit_end = False
            end = self._body(j, kind, tag_name)
        finally:
            self.depth -= 1
        self.bodies[key] = (end, self.hit_end)
        return end

    def walk(self, i: int):
        """The nodes and quote runs met from i on, in a context without terminators (the top
        level, or the inside of a bold/italic node): `(start, end, is_heading)` for a node,
        `(start, end, None)` for a run of two or more apostrophes.
        """
        text = self.text
        n = self.n
        text_start = i  # where the current run of text began (for free-link schemes)
        dl_term = False  # the line began with a `;` marker: its first `:` ends the term
        line_start = i == 0 or text[i - 1] == "\n"
        while i < n:
            if line_start:
                line_start = False
                opening = self.line_opening(i)
                if opening is not None:
                    start, end, heading, term = opening
                    dl_term = dl_term or term
                    yield (start, end, heading)
                    i = text_start = end
                    continue
            match = _TOP.search(text, i)
            if match is None:
                break
            p = match.start()
            token = match.group()
            if token == "\n":
                dl_term = False
                i = p + 1
                line_start = True
                continue
            if token == "''":
                j = p + 2
                while j < n and text[j] == "'":
                    j += 1
                yield (p, j, None)
                i = j
                continue
            if token == ":":
                link = None if p > 0 and text[p - 1] in _MARKERS else self.free_link(p, text_start)
                if link is None:
                    if dl_term:  # the colon ends the definition term
                        dl_term = False
                        yield (p, p + 1, False)
                        i = text_start = p + 1
                    else:
                        i = p + 1
                    continue
                node = link
            else:
                found = self.construct_at(p, token)
                if isinstance(found, int):
                    i = found
                    continue
                node = found
            yield (node[0], node[1], False)
            i = text_start = node[1]

    def line_opening(self, i: int) -> tuple[int, int, bool, bool] | None:
        """A construct that may only open a line, at line start i: a heading, list markers, a
        horizontal rule or a table, as `(start, end, is_heading, has_term_marker)`, or None.
        """
        text = self.text
        n = self.n
        c = text[i]
        if c == "=":
            end = _heading(text, i)
            if end is not None:
                return i, end, True, False
        elif c in "#*;:":
            j = i
            while j < n and text[j] in "#*;:":
                j += 1
            return i, j, False, ";" in text[i:j]
        elif c == "-" and text.startswith("----", i):
            j = i + 4
            while j < n and text[j] == "-":
                j += 1
            return i, j, False, False
        table_at = _TABLE_START.match(text, i)
        if table_at is not None:
            end = self.table(table_at.end())
            if end is not None:
                return table_at.end() - 2, end, False, False
        return None

    def construct_at(self, p: int, token: str) -> tuple[int, int] | int:
        """The node a top-level `{{`, `[`, `<` or `&` at p opens, as `(start, end)`; when it
        opens none (the token is text), where scanning resumes.
        """
        text = self.text
        if token == "{{":
            node = self.template(p)
            return node if node is not None else self.after_braces(p)
        if token == "[":
            if text.startswith("[[", p):
                node = self.double_bracket(p)
                return node if node is not None else p + 2
            end = self.ext_link(p)
        elif token == "<":
            if text.startswith("<!--", p):
                end = self.comment(p)
                if end is None:
                    return p + 4
            elif text.startswith("</", p):
                name = _TAG_NAME.match(text, p + 2)
                end = self.tag(p + 1) if name and name.group().lower() in _SINGLE_ONLY else None
                if end is None:
                    return p + 2
            else:
                end = self.tag(p)
        elif token == "&":
            end = self.entity(p)
        else:
            end = None
        return p + 1 if end is None else (p, end)

    def after_braces(self, p: int) -> int:
        """Where scanning resumes after a run of braces at p that opens no template: past the
        extra braces of four or more (read as text), else past the first two.
        """
        braces = 2
        while p + braces < self.n and self.text[p + braces] == "{":
            braces += 1
        return p + (braces if braces < 4 else braces - 2)

    def style_at(self, p: int) -> int:
        """Where parsing resumes after the apostrophe run at p inside a body: after its bold or
        italic node, or after the run when the run is text. The node's own context has no
        terminator: the `}}`, `]]` or closing tag of the body around it do not end it.
        """
        known = self.styles.get(p)
        if known is not None:
            return known
        if self.depth >= MAX_NESTING:  # nested too deeply: the run is text
            end = p
            while end < self.n and self.text[end] == "'":
                end += 1
            return end
        self.depth += 1
        try:
            runs = ((start, end) for start, end, heading in self.walk(p) if heading is None)
            styles = _Styles(_RunSource(runs))
            node = styles.first(p)
        finally:
            self.depth -= 1
        self.styles[p] = node
        return node

    def table(self, j: int) -> int | None:
        """End of a table whose `{|` ends at j (after its `|}`), or None."""
        return self.body(j, "table")

    def double_bracket(self, p: int) -> tuple[int, int] | None:
        """`[[` at p: an external link `[[http://...]` (from p + 1) or a wikilink, or None."""
        external = self.ext_link(p + 1)
        if external is not None:
            return p + 1, external
        end = self.wikilink(p)
        return None if end is None else (p, end)

    def _body(self, j: int, kind: str, tag_name: str) -> int | None:
        text = self.text
        name_start = j
        name_done = kind != "template"
        while True:
            match = _INNER.search(text, j)
            if match is None:
                self.hit_end = True
                return None
            p = match.start()
            token = match.group()
            if not name_done and token in ("}}", "|"):
                if not self._template_name_ok(name_start, p):
                    return None
                name_done = True
            if token in _MAY_END:
                end = self.body_end(p, token, kind, tag_name)
                if end != _OPEN:
                    return end
            j = self.inner_resume(p, token, kind)

    def body_end(self, p: int, token: str, kind: str, tag_name: str) -> int | None:
        """Whether the token at p ends the body of a `kind` construct: where the construct
        ends, None when the token fails it, `_OPEN` when the body goes on.
        """
        text = self.text
        if token == "}}":
            if kind == "template":
                return p + 2
            if kind == "argument" and text.startswith("}}}", p):
                return p + 3
        elif token == "]]" or token == "]":
            if kind == "ext":
                return p + 1
            if kind == "link" and token == "]]":
                return p + 2
        elif token == "\n":
            if kind == "ext":
                return None
            if kind == "table":
                close = _TABLE_END.match(text, p + 1)
                if close is not None:
                    return close.end()
        elif kind == "tag" and text.startswith("</", p):
            close = _TAG_CLOSE.match(text, p)
            if close is not None and close.group(1).rstrip().lower() == tag_name:
                return close.end()
            return None  # a stray closing tag fails the whole tag
        return _OPEN

    def inner_resume(self, p: int, token: str, kind: str) -> int:
        """Where scanning a body resumes after a token at p that does not end it: past the
        construct it opens, or past the token itself when it opens none.
        """
        text = self.text
        if token == "{{":
            node = self.template(p)
            return node[1] if node is not None else self.after_braces(p)
        if token == "[[":
            if kind == "ext":  # inside an external link, `[[` can only open a wikilink
                end = self.wikilink(p)
                return end if end is not None else p + 2
            node = self.double_bracket(p)
            return node[1] if node is not None else p + 2
        if token == "[":
            end = None if kind == "ext" else self.ext_link(p)
            return end if end is not None else p + 1
        if token == "\n":
            if kind == "table":
                nested = _TABLE_START.match(text, p + 1)
                if nested is not None:
                    end = self.table(nested.end())
                    if end is not None:
                        return end
            return p + 1
        if token == "''":
            return self.style_at(p)
        if token in ("}}", "]]"):
            return p + 2
        if token in ("]", "|"):
            return p + 1
        if text.startswith("<!--", p):
            end = self.comment(p)
            return end if end is not None else p + 4
        if text.startswith("</", p):
            return p + 2
        end = self.tag(p)
        return end if end is not None else p + 1


def _is_scheme(scheme: str, slashes: bool) -> bool:
    scheme = scheme.lower()
    if slashes:
        return scheme in URI_SCHEMES
    return scheme in URI_SCHEMES and not URI_SCHEMES[scheme]


# --- bold and italic -----------------------------------------------------------------------------
_ITALICS, _BOLD, _SECOND_PASS, _PASS_AGAIN = 1, 2, 4, 8


class _BadRoute(Exception):
    def __init__(self, context: int) -> None:
        super().__init__()
        self.context = context


class _RunSource:
    """Apostrophe runs `(start, end)` in order, pulled from an iterator only as far as needed."""

    def __init__(self, runs) -> None:
        self.iterator = iter(runs)
        self.runs: list[tuple[int, int]] = []
        self.starts: list[int] = []
        self.done = False

    def next(self, p: int) -> tuple[int, int] | None:
        """The (rest of the) run holding p if two or more apostrophes remain, else the next run."""
        while not self.done and (not self.starts or self.starts[-1] <= p):
            run = next(self.iterator, None)
            if run is None:
                self.done = True
            else:
                self.runs.append(run)
                self.starts.append(run[0])
        k = bisect.bisect_right(self.starts, p) - 1
        if k >= 0 and self.runs[k][1] - p >= 2 and self.runs[k][0] <= p:
            return p, self.runs[k][1]
        k += 1
        return self.runs[k] if k < len(self.runs) else None


def _effective_run(run: tuple[int, int]) -> tuple[int, int]:
    """Where the markup of an apostrophe run starts and how many apostrophes it has: over five,
    the first ones are text and five count; four are one text apostrophe and three.
    """
    start, end = run
    ticks = end - start
    if ticks > 5:
        return end - 5, 5
    if ticks == 4:
        return start + 1, 3
    return start, ticks


class _Styles:
    """mwparserfromhell's `_parse_style` replayed over apostrophe runs.

    The runs are those of one context (the top level, or from a run inside a body on), outside
    any other construct. `resolve()` gives the extents of the bold/italic nodes.
    """

    def __init__(self, source: _RunSource) -> None:
        self.source = source
        self.failed: set[tuple[int, int]] = set()
        self.depth = 0

    def _next(self, p: int) -> tuple[int, int] | None:
        return self.source.next(p)

    def resolve(self) -> list[tuple[int, int]]:
        """Every style node of the context, as `(start, end)`."""
        nodes: list[tuple[int, int]] = []
        p = 0
        while True:
            run = self._next(p)
            if run is None:
                return nodes
            node, p = self._at(run)
            if node is not None:
                nodes.append(node)

    def first(self, p: int) -> int:
        """Where parsing resumes after the run at p."""
        run = self._next(p)
        if run is None:
            return p + 2
        return self._at(run)[1]

    def _at(self, run: tuple[int, int]) -> tuple[tuple[int, int] | None, int]:
        """The node opened by a run in a context without styles, and where parsing resumes."""
        s, ticks = _effective_run(run)
        after = s + ticks
        if ticks == 2:
            end = self._italics(after)
            return ((s, end), end) if end is not None else (None, after)
        if ticks == 3:
            end = self._bold(after, 0)
            if isinstance(end, tuple):  # bold failed: "'" then italics
                italic_end = self._italics(after)
                if italic_end is not None:
                    return (s + 1, italic_end), italic_end
                return None, after
            return (s, end), end
        start, end = self._italics_and_bold(s, after)
        return ((start, end), end) if end is not None else (None, after)

    def _parse(self, p: int, context: int) -> tuple[int, int]:
        """Parse in a style context from p; returns (end, context) or raises _BadRoute."""
        if (p, context) in self.failed or self.depth >= MAX_NESTING:
            raise _BadRoute(context)
        self.depth += 1
        try:
            return self._really_parse(p, context)
        except _BadRoute:
            self.failed.add((p, context))
            raise
        finally:
            self.depth -= 1

    def _really_parse(self, p: int, context: int) -> tuple[int, int]:
        while True:
            run = self._next(p)
            if run is None:
                raise _BadRoute(context)
            s, ticks = _effective_run(run)
            after = s + ticks
            italics = context & _ITALICS
            bold = context & _BOLD
            if (italics and ticks in (2, 5)) or (bold and ticks in (3, 5)):
                if ticks == 5:
                    return (s + 2 if italics else s + 3), context
                return after, context
            if ticks == 2:
                end = self._italics(after)
                p = end if end is not None else after
            elif ticks == 3:
                result = self._bold(after, context)
                if isinstance(result, tuple):
                    kind, value = result
                    if kind == "close":  # second pass: this context ends here
                        return value, context
                    context = value  # pass again
                    p = after
                else:
                    p = result
            else:
                _, end = self._italics_and_bold(s, after)
                p = end if end is not None else after

    def _italics(self, p: int) -> int | None:
        try:
            return self._parse(p, _ITALICS)[0]
        except _BadRoute as route:
            if route.context & _PASS_AGAIN:
                try:
                    return self._parse(p, _ITALICS | _SECOND_PASS)[0]
                except _BadRoute:
                    return None
            return None

    def _bold(self, p: int, context: int):
        """End of a bold node from p; on failure a tuple telling the caller what to do."""
        try:
            return self._parse(p, _BOLD)[0]
        except _BadRoute:
            if context & _SECOND_PASS:
                return ("close", p)
            if context & _ITALICS:
                return ("again", context | _PASS_AGAIN)
            return ("text", p)

    def _italics_and_bold(self, s: int, p: int) -> tuple[int, int | None]:
        """Five ticks at s (body from p): (node start, node end or None)."""
        try:
            end = self._parse(p, _BOLD)[0]
        except _BadRoute:
            try:
                end = self._parse(p, _ITALICS)[0]
            except _BadRoute:
                return s, None
            try:
                return s, self._parse(end, _BOLD)[0]
            except _BadRoute:
                return s + 3, end
        try:
            return s, self._parse(end, _ITALICS)[0]
        except _BadRoute:
            return s + 2, end


# --- the top level -------------------------------------------------------------------------------
def _heading_title(source: str) -> str:
    """A heading's title as `plain.top_level_text` gives it (stripped of markup)."""
    from wikiforge.wikitext.plain import parse

    code = parse(source)
    if code is not None:
        for node in code.nodes:
            title = getattr(node, "title", None)
            if title is not None and hasattr(node, "level"):
                return title.strip_code().strip()
    return source.strip("=").strip()


def top_level_spans(wikitext: str) -> TopLevelText:
    """The top-level text of `wikitext` with exact offsets and section numbers.

    The same result as `plain.top_level_text` (see the module docstring for the differences on
    malformed markup), without building a parse tree.
    """
    nodes = list(_Scanner(wikitext).walk(0))
    runs = [(start, end) for start, end, heading in nodes if heading is None]
    nodes = [node for node in nodes if node[2] is not None]
    return _assemble(wikitext, nodes, runs)


def _heading(text: str, i: int) -> int | None:
    """End of a heading line starting at i (after the last `=` run of the line), or None."""
    newline = text.find("\n", i)
    line_end = len(text) if newline < 0 else newline
    j = i
    while j < line_end and text[j] == "=":
        j += 1
    last = text.rfind("=", j, line_end)
    if last < 0:
        return None
    return last + 1


_TABLE_END = re.compile(r"[^\S\n]*\|\}")
_TABLE_START = re.compile(r"[^\S\n]*\{\|")


def _assemble(
    wikitext: str, nodes: list[tuple[int, int, bool]], runs: list[tuple[int, int]]
) -> TopLevelText:
    run_set = set(runs)
    styles = _Styles(_RunSource(runs)).resolve() if runs else []
    merged = [node for node in nodes if not ((node[0], node[1]) in run_set and not node[2])]
    merged.extend((s, e, False) for s, e in styles)
    merged.sort()
    spans: list[TextSpan] = []
    titles = ["%LEAD%"]
    cursor = 0
    for start, end, is_heading in merged:
        if start < cursor:
            continue  # inside a style node that started earlier
        if start > cursor:
            spans.append(TextSpan(cursor, wikitext[cursor:start], len(titles) - 1))
        if is_heading:
            titles.append(_heading_title(wikitext[start:end]))
        cursor = end
    if cursor < len(wikitext):
        spans.append(TextSpan(cursor, wikitext[cursor:], len(titles) - 1))
    return TopLevelText(spans, titles)
