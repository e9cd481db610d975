"""Canonical URLs and offline Google News token decoding.

Google News fixtures are built here in the shape of real tokens (base64url protobuf: field 1
varint 19, field 4 the URL or an opaque id, optional field 26 the AMP URL), not copied from feeds.
"""

from __future__ import annotations

import base64

import pytest

from parallax.links import article_url, canonical_url, decode_google_news_link, google_news_token


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def google_link(inner: bytes, amp: bytes | None = None, path: str = "rss/articles") -> str:
    message = b"\x08\x13" + _field(4, inner) + (_field(26, amp) if amp is not None else b"")
    token = base64.urlsafe_b64encode(message).decode().rstrip("=")
    return f"https://news.google.com/{path}/{token}?oc=5"


PUBLISHER = "https://www.example-news.com/world/asia/2024/05/06/xi-meets-putin-in-beijing.html"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(
            "HTTPS://WWW.Example.COM/a/b/?utm_source=x&utm_medium=rss&id=3#top",
            "https://example.com/a/b?id=3",
            id="case-www-utm-fragment-slash",
        ),
        pytest.param("http://example.com:80/story", "https://example.com/story", id="http-port"),
        pytest.param("https://example.com:443/story", "https://example.com/story", id="port443"),
        pytest.param("https://example.com:8080/story", "https://example.com:8080/story", id="port"),
        pytest.param(
            "https://example.com/s?b=2&a=1&fbclid=Z",
            "https://example.com/s?a=1&b=2",
            id="sort-fbclid",
        ),
        pytest.param(
            "https://example.com/s?gclid=1&oc=5&ocid=x", "https://example.com/s", id="only-tracking"
        ),
        pytest.param("https://example.com/", "https://example.com", id="root-slash"),
        pytest.param("https://user:pw@example.com/x", "https://example.com/x", id="userinfo"),
        pytest.param("https://example.com/x?q=", "https://example.com/x?q=", id="blank-value"),
        pytest.param(
            "https://news.google.com/rss/articles/ABC?oc=5&hl=en-US&gl=US&ceid=US:en",
            "https://news.google.com/rss/articles/ABC",
            id="google-locale",
        ),
        pytest.param("  not a url  ", "not a url", id="garbage"),
        pytest.param("", "", id="empty"),
        pytest.param("mailto:a@example.com", "mailto:a@example.com", id="other-scheme"),
        pytest.param("https://[::1/x", "https://[::1/x", id="bad-ipv6"),
        pytest.param("https://example.com:99999/x", "https://example.com:99999/x", id="bad-port"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_is_idempotent_and_order_free() -> None:
    a = canonical_url("https://www.example.com/p/?z=1&a=2&utm_campaign=c")
    b = canonical_url("http://example.com/p?a=2&z=1")
    assert a == b == "https://example.com/p?a=2&z=1"
    assert canonical_url(a) == a


def test_canonical_url_non_string() -> None:
    assert canonical_url(None) == ""  # type: ignore[arg-type]


def test_decode_older_token_gives_publisher_url() -> None:
    link = google_link(PUBLISHER.encode())
    assert decode_google_news_link(link) == PUBLISHER


def test_decode_prefers_field_4_over_amp() -> None:
    link = google_link(PUBLISHER.encode(), amp=b"https://example-news.com/amp/xi-meets-putin")
    assert decode_google_news_link(link) == PUBLISHER


def test_decode_long_url_uses_multibyte_length() -> None:
    long_url = "https://example.com/" + "a" * 300
    assert decode_google_news_link(google_link(long_url.encode())) == long_url


@pytest.mark.parametrize("path", ["rss/articles", "articles", "read"])
def test_decode_accepts_all_article_paths(path: str) -> None:
    assert decode_google_news_link(google_link(PUBLISHER.encode(), path=path)) == PUBLISHER


def test_opaque_newer_token_returns_none() -> None:
    link = google_link(b"AU_yqLNq3x9Zt0e-opaque-id-from-the-server", amp=b"AU_yqLOtherId")
    assert google_news_token(link) is not None
    assert decode_google_news_link(link) is None
    # callers keep the Google link, canonicalized
    assert article_url(link).startswith("https://news.google.com/rss/articles/CBMi")
    assert "oc=" not in article_url(link)


def test_article_url_gives_one_spelling_per_opaque_token() -> None:
    token = google_news_token(google_link(b"AU_yqLsameid"))
    spellings = [
        f"https://news.google.com/rss/articles/{token}?oc=5",
        f"https://news.google.com/articles/{token}?hl=en-US&gl=US&ceid=US:en",
        f"https://news.google.com/read/{token}",
    ]
    assert {article_url(s) for s in spellings} == {f"https://news.google.com/rss/articles/{token}"}


def test_article_url_decodes_and_canonicalizes() -> None:
    link = google_link(b"https://www.example.com/story/?utm_source=gn")
    assert article_url(link) == "https://example.com/story"
    assert article_url("https://www.example.com/story/") == "https://example.com/story"


@pytest.mark.parametrize(
    "link",
    [
        "https://news.google.com/rss/articles/CBMi!!!notbase64",
        "https://news.google.com/rss/articles/",
        "https://news.google.com/rss/articles/CBMiAA",  # field 4 present but empty
        "https://news.google.com/rss/articles/" + base64.urlsafe_b64encode(b"\x08\x13\x22\xff\xff")
        .decode().rstrip("="),
        "https://news.google.com/rss/articles/" + base64.urlsafe_b64encode(b"\x0f\x00").decode(),
        google_link(b"\xff\xfe not utf-8"),
        google_link(b"javascript:alert(1)"),
        google_link(b"https://exa mple.com/with space"),
        "https://example.com/rss/articles/CBMiabc",  # not Google News
        "https://news.google.com/topics/CAAqBwgKMM",
        "not a url",
        "",
    ],
    ids=[
        "bad-base64", "no-token", "empty-url", "bad-length", "bad-wire-type", "not-utf8",
        "not-http", "space", "other-host", "topic-page", "garbage", "empty",
    ],
)  # fmt: skip
def test_decode_garbage_returns_none(link: str) -> None:
    assert decode_google_news_link(link) is None


def test_decode_non_string_returns_none() -> None:
    assert decode_google_news_link(None) is None  # type: ignore[arg-type]
    assert decode_google_news_link(42) is None  # type: ignore[arg-type]
