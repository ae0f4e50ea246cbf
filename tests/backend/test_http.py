"""The embedded server over HTTP/1.1: connections kept open between requests, and a body
that follows ``100 Continue`` read as the request's, never as the next request (RFC 9110
section 10.1.1; boto3 sends ``Expect: 100-continue`` with every S3 PutObject)."""

from __future__ import annotations

from typing import Any


def test_a_body_sent_after_100_continue_is_the_request_s_body(s3: Any, unique: str) -> None:
    bucket = f"http-{unique}"
    s3.create_bucket(Bucket=bucket)
    for size in (10, 1_258_291):  # a small payload and a claim-checked one (1.2 MiB)
        s3.put_object(Bucket=bucket, Key=f"k{size}", Body=b"x" * size)
        assert len(s3.get_object(Bucket=bucket, Key=f"k{size}")["Body"].read()) == size


def test_the_connection_serves_the_next_request_after_a_continued_one(s3: Any, unique: str) -> None:
    bucket = f"next-{unique}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a", Body=b"first")
    s3.put_object(Bucket=bucket, Key="b", Body=b"second")  # same kept-open connection
    assert s3.get_object(Bucket=bucket, Key="b")["Body"].read() == b"second"
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]) == ["a", "b"]
