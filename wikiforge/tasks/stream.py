"""Length-delimited protobuf streams: `varint(len) + message bytes`, repeated.

The same framing as protobuf's Java `writeDelimitedTo`/`parseDelimitedFrom` (and, uncompressed,
pystream-protobuf which OAT uses), so any protobuf runtime can read the files. A reader never
returns a half message: a truncated length or body raises `InputError` with the byte offset.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, TypeVar

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message

from wikiforge.errors import InputError

M = TypeVar("M", bound=Message)

# Guard against reading a garbage length as a huge allocation.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024


def encode_varint(value: int) -> bytes:
    """Encode a non-negative integer as a protobuf base-128 varint."""
    if value < 0:
        raise ValueError("varint must be non-negative")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def frame(message: Message) -> bytes:
    """One message as `varint(length) + bytes` (deterministic serialisation: stable map order)."""
    body = message.SerializeToString(deterministic=True)
    return encode_varint(len(body)) + body


def write_delimited(out: BinaryIO, messages: Iterable[Message]) -> int:
    """Write messages to a binary file object; return how many were written."""
    count = 0
    for message in messages:
        out.write(frame(message))
        count += 1
    return count


def _read_varint(source: BinaryIO, path: object, offset: int) -> tuple[int, int] | None:
    """Read one varint; None at a clean end of stream. Returns (value, bytes consumed)."""
    shift = 0
    value = 0
    consumed = 0
    while True:
        byte = source.read(1)
        if not byte:
            if consumed == 0:
                return None
            raise InputError(path, offset, "stream ends inside a length prefix")
        consumed += 1
        value |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            return value, consumed
        shift += 7
        if shift > 63:
            raise InputError(path, offset, "length prefix is not a valid varint")


def iter_frames(source: BinaryIO, path: object = "<stream>") -> Iterator[tuple[int, bytes]]:
    """Yield (byte offset of the frame, message bytes) for every frame in `source`."""
    offset = 0
    while True:
        head = _read_varint(source, path, offset)
        if head is None:
            return
        length, consumed = head
        if length > MAX_MESSAGE_BYTES:
            raise InputError(path, offset, f"message length {length} exceeds {MAX_MESSAGE_BYTES}")
        body = source.read(length)
        if len(body) != length:
            raise InputError(
                path, offset, f"truncated message: expected {length} bytes, got {len(body)}"
            )
        yield offset, body
        offset += consumed + length


def read_delimited(
    source: BinaryIO, message_type: type[M], path: object = "<stream>"
) -> Iterator[M]:
    """Parse every message of `message_type` from a delimited stream."""
    for offset, body in iter_frames(source, path):
        message = message_type()
        try:
            message.ParseFromString(body)
        except DecodeError as exc:
            raise InputError(path, offset, f"cannot decode {message_type.__name__}: {exc}") from exc
        yield message


def open_stream(path: str | Path) -> BinaryIO:
    """Open a stream file for reading, transparently gunzipping `.gz` files."""
    path = Path(path)
    raw = path.open("rb")
    if path.suffix == ".gz":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return io.BufferedReader(raw)


def read_file(path: str | Path, message_type: type[M]) -> Iterator[M]:
    """Iterate the messages of a stream file."""
    with open_stream(path) as source:
        yield from read_delimited(source, message_type, path)


def read_at(path: str | Path, offset: int, message_type: type[M]) -> M:
    """Read the single message framed at byte `offset` of an uncompressed stream file."""
    with Path(path).open("rb") as source:
        source.seek(offset)
        for _, body in iter_frames(source, path):
            message = message_type()
            message.ParseFromString(body)
            return message
    raise InputError(path, offset, "no message at this offset")


def to_json(message: Message, indent: int | None = None) -> str:
    """A message as JSON with proto field names (empty fields left out, like protobuf's JSON)."""
    return json_format.MessageToJson(
        message, preserving_proto_field_name=True, indent=indent, sort_keys=False
    )


def to_dict(message: Message) -> dict:
    """A message as a plain dict with proto field names."""
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def from_json(text: str, message_type: type[M]) -> M:
    """Parse protobuf JSON (as written by `to_json`) back into a message."""
    return json_format.Parse(text, message_type())
