"""The server's header parser builds the same message as the email parser for every header
block, plain (read directly) or not (handed to the email parser)."""

from __future__ import annotations

import email.parser
import http.client
import io
from typing import Any

import pytest

from queuelab.backend.speed import wire

BOTO3 = (
    b"Host: 127.0.0.1:5000\r\nAccept-Encoding: identity\r\n"
    b"X-Amz-Target: AmazonSQS.SendMessage\r\nContent-Type: application/x-amz-json-1.0\r\n"
    b"User-Agent: Boto3/1.40 md/Botocore#1.40 ua/2.1 os/linux#6\r\n"
    b"X-Amz-Date: 20250101T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=a/b/c/d/e, "
    b"SignedHeaders=content-type;host, Signature=00\r\nContent-Length: 12\r\n\r\n"
)
BLOCKS = [
    BOTO3,
    b"\r\n",
    b"A: 1\r\nA: 2\r\nb:\r\nC:   spaced  \r\nD:\tx\r\nx-amz-meta-my_key: v\r\n\r\n",
    b"Latin: caf\xe9\r\n\r\n",
    b"Folded: a\r\n  b\r\nNext: c\r\n\r\n",  # obs-fold
    b" Leading: continuation first\r\nA: 1\r\n\r\n",
    b"NoColon\r\nA: 1\r\n\r\n",
    b": empty name\r\nA: 1\r\n\r\n",
    b"From someone\r\nA: 1\r\n\r\n",
    b"Bad Name: 1\r\n\r\n",
    b"A: 1\nB: 2\n\n",  # bare LF
    b"A: 1\rB: 2\r\n\r\n",
    b"A: 1\r\n",  # the connection ended before the blank line
    b"Content-Type: multipart/form-data; boundary=xyz\r\n\r\n",
    b"content-type: message/rfc822\r\n\r\n",
    b"Content-Type: text/plain\r\nContent-Length: 0\r\n\r\n",
]


def summary(message: Any) -> tuple[Any, ...]:
    payload = message.get_payload()
    return (
        type(message), message.items(), message.keys(),
        [summary(part) for part in payload] if isinstance(payload, list) else payload,
        [type(d) for d in message.defects], message.get_unixfrom(), message.preamble,
        message.epilogue, message.is_multipart(), message.get_content_type(),
        message.get("a"), message.get_all("A"),
    )  # fmt: skip


def stock(block: bytes) -> Any:
    text = block.decode("iso-8859-1")
    return email.parser.Parser(_class=http.client.HTTPMessage).parsestr(text)


@pytest.mark.parametrize("block", BLOCKS)
def test_every_header_block_gives_the_email_parser_s_message(block: bytes) -> None:
    after = b"GET / HTTP/1.1\r\n" if block.endswith(b"\n\n") or block == b"\r\n" else b""
    stream = io.BytesIO(block + after)
    ours = wire.parse_headers(stream)
    assert stream.read() == after  # the next request stays unread
    assert summary(ours) == summary(stock(block))


def test_a_plain_block_is_read_without_the_email_parser() -> None:
    lines = BOTO3.splitlines(keepends=True)
    text = BOTO3.decode("iso-8859-1")
    assert wire.plain_message(lines, text, http.client.HTTPMessage) is not None
    assert summary(wire.parse_headers(io.BytesIO(BOTO3))) == summary(stock(BOTO3))


def test_limits_are_the_stock_ones() -> None:
    with pytest.raises(http.client.LineTooLong):
        wire.parse_headers(io.BytesIO(b"A: " + b"x" * 70000 + b"\r\n\r\n"))
    with pytest.raises(http.client.HTTPException):
        wire.parse_headers(io.BytesIO(b"A: 1\r\n" * 101 + b"\r\n"))
