"""Request headers read without the email parser, in the server process only.

``http.server`` reads a request's header block with ``http.client.parse_headers``, which runs
the whole ``email`` feed parser (about a tenth of a small call's CPU on the embedded server).
For a plain header block (every line ``Name: value`` ending in CRLF, then the blank line: what
boto3, urllib3 and browsers send) ``parse_headers`` here builds the same ``HTTPMessage`` as the
email parser would, name by name and value by value, directly; any other block (folded lines,
a line without a name, bare CR or LF, a multipart or message content type the email parser
would look into) goes to the stock parser. ``tests/backend/test_wire.py`` holds both to the
same messages.
"""

from __future__ import annotations

import email.parser
import http.client
import re
from typing import Any

# The email parser's header line (``email.feedparser.headerRE``) with a name of at least one
# character, less its continuation and "From " forms (a name has no space).
_PLAIN = re.compile(r"[\041-\071\073-\176]+:[^\r\n]*")
_NESTED = re.compile(r"^content-type:[ \t]*(multipart|message)/", re.IGNORECASE | re.MULTILINE)


def parse_headers(fp: Any, _class: type = http.client.HTTPMessage) -> Any:
    """``http.client.parse_headers``, the same message for every input."""
    lines = http.client._read_headers(fp)  # type: ignore[attr-defined]
    text = b"".join(lines).decode("iso-8859-1")
    message = plain_message(lines, text, _class)
    if message is None:
        return email.parser.Parser(_class=_class).parsestr(text)
    return message


def plain_message(lines: list[bytes], text: str, _class: type) -> Any:
    """The message of a plain header block, or None when the block is not plain."""
    if lines[-1] != b"\r\n" or _NESTED.search(text):
        return None
    message = _class()
    for line in text.split("\r\n")[:-2]:
        if not _PLAIN.fullmatch(line):
            return None
        name, value = line.split(":", 1)
        message.set_raw(name, value.lstrip(" \t"))
    message.set_payload("")
    return message


def install() -> None:
    """Read request headers with ``parse_headers`` in this process (the server's)."""
    if hasattr(http.client, "_read_headers"):
        http.client.parse_headers = parse_headers  # type: ignore[assignment]
