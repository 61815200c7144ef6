r"""Pull sitelinks and a few claims out of one Wikidata entity (one JSON object, as bytes).

Sitelinks are extracted on a fast path that reads only the entity's head (for the id) and the
sitelinks object (for the links), yet gives exactly what a full JSON parse gives, for any valid
JSON layout: any key order, any whitespace, escaped quotes or ``\u`` escapes in titles. How:

1. ``id``: the top-level pairs are read from the opening brace with a regular expression that
   accepts only complete scalar values, until the key ``id``. If a non-scalar value comes first,
   we fall back to a full parse.
2. ``sitelinks``: we search backwards for the string token ``"sitelinks"``. A quote is a string
   delimiter exactly when an even number of backslashes precede it (outside strings JSON has no
   backslashes), so we can tell a real key from text inside a string locally. From the end of
   the entity we walk backwards over the trailing top-level pairs with scalar values (today's
   dumps end with ``"lastrevid":123``), which leaves the end of the value that precedes them.
   That slice is decoded with msgspec as a map of sitelinks. The decode succeeds only if the
   slice is exactly one complete JSON value that starts right after ``"sitelinks":`` and is
   followed only by top-level pairs, which proves the key belongs to the top-level object.
3. Anything else (sitelinks followed by an object-valued key, keys spelled with escapes, no
   sitelinks at all) goes to a full msgspec parse, and from there to ``json.loads`` semantics.

Not covered by the guarantee: objects with duplicate keys, which RFC 8259 leaves undefined. The
entity's other parts are not validated on the fast path (bzip2's block CRCs catch corruption).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import msgspec


class _Sitelink(msgspec.Struct):
    site: str
    title: str


class _EntityHead(msgspec.Struct):
    id: str = ""
    sitelinks: msgspec.Raw = msgspec.Raw(b"{}")


_SITELINKS_DECODER = msgspec.json.Decoder(dict[str, _Sitelink])
_HEAD_DECODER = msgspec.json.Decoder(_EntityHead)

_WHITESPACE = b" \t\r\n"
_SCALAR_BYTES = frozenset(b"0123456789-+.eEtrufalsn")
_SITELINKS_TOKEN = b'"sitelinks"'
_STRING = rb'"(?:[^"\\]|\\.)*"'
_SCALAR = rb'(?:"(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+\-]*|true|false|null)'
# One top-level pair with a scalar value, then the separator that follows it.
_HEAD_PAIR = re.compile(rb"\s*(" + _STRING + rb")\s*:\s*(" + _SCALAR + rb")\s*([,}])", re.S)
_OPEN_BRACE = re.compile(rb"\s*\{")


class EntityParseError(ValueError):
    """An entity line that is not a JSON object with the expected members."""


@dataclass(frozen=True)
class EntitySitelinks:
    """The id and the (site, title) sitelinks of one entity, in the entity's order."""

    id: str
    sitelinks: list[tuple[str, str]] = field(default_factory=list)


def _json_string(token: bytes) -> str:
    if b"\\" not in token:
        return token[1:-1].decode("utf-8")
    return json.loads(token)


def _head_id(line: bytes) -> str | None:
    """The top-level ``id`` if it comes before any non-scalar value, else None."""
    match = _OPEN_BRACE.match(line)
    if match is None:
        return None
    pos = match.end()
    while True:
        match = _HEAD_PAIR.match(line, pos)
        if match is None:
            return None
        if _json_string(match.group(1)) == "id":
            value = match.group(2)
            return _json_string(value) if value.startswith(b'"') else None
        if match.group(3) == b"}":
            return None
        pos = match.end()


def _string_start_backwards(line: bytes, closing: int) -> int:
    """Index of the opening quote of the string whose closing quote is at ``closing``."""
    j = closing - 1
    while True:
        j = line.rindex(b'"', 0, j + 1)
        b = j - 1
        while line[b] == 0x5C:  # backslash
            b -= 1
        if (j - 1 - b) % 2 == 0:
            return j
        j -= 1


def _value_end_before_tail(line: bytes, last: int) -> int:
    """Walk back from the final ``}`` over ``, "key": scalar`` pairs; return the end of the value
    before them (exclusive), or -1 if the tail is not made of scalar pairs.
    """
    i = last - 1
    while True:
        while line[i] in _WHITESPACE:
            i -= 1
        c = line[i]
        if c == 0x7D or c == 0x5D:  # '}' or ']': end of a container value
            return i + 1
        if c == 0x22:
            i = _string_start_backwards(line, i) - 1
        elif c in _SCALAR_BYTES:
            while line[i] in _SCALAR_BYTES:
                i -= 1
        else:
            return -1
        while line[i] in _WHITESPACE:
            i -= 1
        if line[i] != 0x3A:  # ':'
            return -1
        i -= 1
        while line[i] in _WHITESPACE:
            i -= 1
        if line[i] != 0x22:
            return -1
        i = _string_start_backwards(line, i) - 1
        while line[i] in _WHITESPACE:
            i -= 1
        if line[i] != 0x2C:  # ','
            return -1
        i -= 1


def _fast_sitelinks(line: bytes) -> list[tuple[str, str]] | None:
    """Sitelinks via the verified fast path, or None when it does not apply."""
    last = len(line) - 1
    while last >= 0 and line[last] in _WHITESPACE:
        last -= 1
    if last < 0 or line[last] != 0x7D:
        return None
    k = len(line)
    while True:
        k = line.rfind(_SITELINKS_TOKEN, 0, k)
        if k <= 0:
            return None
        b = k - 1
        while line[b] == 0x5C:
            b -= 1
        if (k - 1 - b) % 2 == 0:
            break  # an unescaped quote: a real string token
    v = k + len(_SITELINKS_TOKEN)
    while line[v] in _WHITESPACE:
        v += 1
    if line[v] != 0x3A:
        return None
    v += 1
    end = _value_end_before_tail(line, last)
    if end <= v:
        return None
    try:
        links = _SITELINKS_DECODER.decode(line[v:end])
    except msgspec.DecodeError:
        return None
    return [(link.site, link.title) for link in links.values()]


def _sitelinks_from_object(sitelinks: object) -> list[tuple[str, str]]:
    if isinstance(sitelinks, list) and not sitelinks:
        return []  # PHP writes an empty map as []
    if not isinstance(sitelinks, dict):
        raise EntityParseError("sitelinks is not an object")
    result = []
    for link in sitelinks.values():
        if not isinstance(link, dict):
            raise EntityParseError("a sitelink is not an object")
        site, title = link.get("site"), link.get("title")
        if not isinstance(site, str) or not isinstance(title, str):
            raise EntityParseError("a sitelink lacks a string site or title")
        result.append((site, title))
    return result


def extract_sitelinks_full(line: bytes) -> EntitySitelinks:
    """Sitelinks by a full ``json.loads`` parse: the definition the fast path must equal.

    Raises:
        EntityParseError: if the line is not an entity object with an id.
    """
    try:
        entity = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EntityParseError(f"invalid JSON: {exc}") from exc
    if not isinstance(entity, dict) or not isinstance(entity.get("id"), str):
        raise EntityParseError("not an entity object with a string id")
    return EntitySitelinks(entity["id"], _sitelinks_from_object(entity.get("sitelinks", {})))


def _full_msgspec(line: bytes) -> EntitySitelinks:
    try:
        head = _HEAD_DECODER.decode(line)
        raw = bytes(head.sitelinks).strip()
        if not head.id:
            raise EntityParseError("no id")
        if raw == b"[]":
            return EntitySitelinks(head.id, [])
        links = _SITELINKS_DECODER.decode(raw)
        return EntitySitelinks(head.id, [(x.site, x.title) for x in links.values()])
    except (msgspec.DecodeError, EntityParseError):
        return extract_sitelinks_full(line)


def extract_sitelinks(line: bytes) -> EntitySitelinks:
    """The id and sitelinks of one entity, equal to a full JSON parse's, fast.

    Args:
        line: One entity: a JSON object (surrounding whitespace allowed, no trailing comma).

    Raises:
        EntityParseError: if the line is not an entity object with an id and well-formed
            sitelinks.
    """
    entity_id = _head_id(line)
    if entity_id is not None:
        links = _fast_sitelinks(line)
        if links is not None:
            return EntitySitelinks(entity_id, links)
    return _full_msgspec(line)


# --- claims -------------------------------------------------------------------------------


class _DataValue(msgspec.Struct):
    value: object = None


class _Snak(msgspec.Struct):
    snaktype: str = "value"
    datavalue: _DataValue | None = None


class _Statement(msgspec.Struct):
    mainsnak: _Snak
    rank: str = "normal"


class _Claims(msgspec.Struct):
    P31: list[_Statement] = []
    P18: list[_Statement] = []
    P373: list[_Statement] = []


class _EntityClaims(msgspec.Struct):
    id: str = ""
    claims: _Claims | list = []


_CLAIMS_DECODER = msgspec.json.Decoder(_EntityClaims)


@dataclass(frozen=True)
class EntityClaims:
    """The claims other product lines need from one entity.

    Attributes:
        id: The entity id (``Q42``).
        instance_of: P31 values as entity ids (``Q5``).
        image: P18 values: Commons file names, without the ``File:`` prefix.
        commons_category: P373 values: Commons category names, without ``Category:``.
    """

    id: str
    instance_of: list[str] = field(default_factory=list)
    image: list[str] = field(default_factory=list)
    commons_category: list[str] = field(default_factory=list)


def _entity_id_value(value: object) -> str | None:
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("id"), str):
        return value["id"]
    numeric = value.get("numeric-id")
    if isinstance(numeric, int) and value.get("entity-type", "item") == "item":
        return f"Q{numeric}"
    return None


def _values(statements: list[_Statement], convert) -> list[str]:
    result = []
    for statement in statements:
        # Deprecated statements are known to be wrong; "novalue"/"somevalue" carry no value.
        if statement.rank == "deprecated" or statement.mainsnak.snaktype != "value":
            continue
        datavalue = statement.mainsnak.datavalue
        value = convert(datavalue.value) if datavalue is not None else None
        if value is not None:
            result.append(value)
    return result


def _string_value(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def extract_claims(line: bytes) -> EntityClaims:
    """P31 (instance of), P18 (image) and P373 (Commons category) of one entity.

    Statements of deprecated rank and snaks without a value are left out; the order is the
    entity's.

    Raises:
        EntityParseError: if the line is not an entity object with an id.
    """
    try:
        entity = _CLAIMS_DECODER.decode(line)
    except msgspec.DecodeError as exc:
        raise EntityParseError(f"invalid entity JSON: {exc}") from exc
    if not entity.id:
        raise EntityParseError("no id")
    claims = entity.claims if isinstance(entity.claims, _Claims) else _Claims()
    return EntityClaims(
        id=entity.id,
        instance_of=_values(claims.P31, _entity_id_value),
        image=_values(claims.P18, _string_value),
        commons_category=_values(claims.P373, _string_value),
    )
