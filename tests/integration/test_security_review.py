"""Security review: defects found across domains that have no better home, each with the test that showed it."""
from __future__ import annotations

import io

import pytest


def _multipart(size: int) -> bytes:
    return (b"--BOUND\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n" + b"0" * size + b"\r\n--BOUND--\r\n")


@pytest.mark.parametrize("path", ["/login", "/language/en", "/cases/1/evidence/upload", "/works/new"])
def test_anonymous_posts_are_refused_before_a_large_body_is_read(client, path):
    """Before login, no page takes a file: the CSRF check must not parse (and spool to disk) a body of up to
    MAX_UPLOAD_BYTES from anyone."""
    body = _multipart(3_000_000)
    stream = io.BytesIO(body)
    resp = client.post(path, input_stream=stream, content_length=len(body),
                       content_type="multipart/form-data; boundary=BOUND")
    assert resp.status_code == 413
    assert stream.tell() < 1_100_000


def test_logged_in_uploads_keep_the_upload_limit(app, login_as):
    page = login_as("legal")
    body = (b"--BOUND\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + page.csrf.encode()
            + b"\r\n" + _multipart(3_000_000))
    resp = page.c.post("/works/new", input_stream=io.BytesIO(body), content_length=len(body),
                       content_type="multipart/form-data; boundary=BOUND")
    assert resp.status_code != 413
