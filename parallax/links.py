"""Canonical article identity from links.

Two pure helpers used by the dedupe stage:

- ``canonical_url`` turns the many spellings of one article URL (tracking parameters, ``www.``,
  default ports, fragments, trailing slashes, parameter order) into one string.
- ``decode_google_news_link`` recovers the publisher URL from an older Google News article token
  (``CBMi...``: base64url of a small protobuf message with the URL in field 4), offline. Newer
  tokens carry an opaque id (``AU_yqL...``) instead of the URL; for those it returns ``None`` and
  callers keep the Google link (an online resolver may be added later behind a setting).

Neither function raises on malformed input: news feeds are full of it.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import urlsplit, urlunsplit

# Query parameters that identify a campaign, click or referrer, never the article itself.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "twclid", "igshid", "mc_cid",
        "mc_eid", "_ga", "_gl", "oc", "ocid", "cmpid", "cmp", "smid", "smtyp", "ref", "ref_src",
        "referrer", "src", "spm", "share", "s_cid", "ito", "taid", "guccounter", "guce_referrer",
        "guce_referrer_sig", "at_medium", "at_campaign", "at_custom1", "at_custom2",
        "at_custom3", "at_custom4", "outputtype", "partner", "sr_share", "rss", "feed",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
# On news.google.com the locale parameters select the UI edition, not the article.
GOOGLE_NEWS_LOCALE_PARAMS = frozenset({"hl", "gl", "ceid"})
GOOGLE_NEWS_HOSTS = frozenset({"news.google.com"})

_DEFAULT_PORTS = {"http": 80, "https": 443}
_GOOGLE_ARTICLE_LINK = re.compile(
    r"\s*https?://news\.google\.com(?::\d+)?/(?:__i/rss/rd/)?(?:rss/)?(?:articles|read)/"
    r"([A-Za-z0-9_\-]+)/?(?:[?#].*)?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_SLASHES = re.compile(r"/{2,}")
_OPAQUE_MARKER = b"AU_yqL"  # newer tokens: an id the server resolves, not a URL


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def _canonical_query(query: str, drop_locale: bool) -> str:
    """Tracking parameters dropped, the rest sorted; values kept as encoded in the link."""
    if not query:
        return ""
    kept = []
    for item in query.split("&"):
        if not item:
            continue
        name = item.split("=", 1)[0]
        if _is_tracking(name) or (drop_locale and name in GOOGLE_NEWS_LOCALE_PARAMS):
            continue
        kept.append(item if "=" in item else item + "=")
    return "&".join(sorted(kept))


def canonical_url(url: str) -> str:
    """One spelling per article URL.

    Lower-cases scheme and host, treats ``http`` as ``https``, drops ``www.``, user info, default
    ports, the fragment, tracking parameters (``utm_*``, ``fbclid``, ``gclid``, ``oc``, ...) and a
    trailing slash, and sorts the remaining query parameters. Input that is not an absolute URL
    comes back stripped but otherwise unchanged; nothing raises.
    """
    if not isinstance(url, str):
        return ""
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in ("http", "https") or not host:
        return text
    if host.startswith("www."):
        host = host[4:]
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    path = _SLASHES.sub("/", parts.path).rstrip("/")
    query = _canonical_query(parts.query, drop_locale=host in GOOGLE_NEWS_HOSTS)
    return urlunsplit(("https", netloc, path, query, ""))


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def _length_delimited_fields(data: bytes) -> list[tuple[int, bytes]]:
    """(field number, bytes) of every length-delimited field of a protobuf message."""
    fields: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            _, pos = _read_varint(data, pos)
        elif wire_type == 1:
            pos += 8
        elif wire_type == 5:
            pos += 4
        elif wire_type == 2:
            size, pos = _read_varint(data, pos)
            if pos + size > len(data):
                raise ValueError("truncated field")
            fields.append((number, data[pos : pos + size]))
            pos += size
        else:
            raise ValueError(f"unsupported wire type {wire_type}")
    return fields


def _as_http_url(value: bytes) -> str | None:
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme in ("http", "https") and parts.netloc and not any(c.isspace() for c in text):
        return text
    return None


def google_news_token(url: str) -> str | None:
    """The article token of a news.google.com article link, or None for any other URL."""
    if not isinstance(url, str):
        return None
    match = _GOOGLE_ARTICLE_LINK.match(url)
    return match.group(1) if match else None


def decode_google_news_link(url: str) -> str | None:
    """Publisher URL carried inside an older Google News article link, decoded offline.

    Older tokens (``CBMi...``) are base64url of a protobuf message whose field 4 holds the
    publisher URL (and field 26 sometimes its AMP URL). Returns None for links that are not
    Google News article links, for newer opaque tokens (field 4 holds an ``AU_yqL...`` id) and
    for anything malformed.
    """
    token = google_news_token(url)
    return None if token is None else _decode_token(token)


def _decode_token(token: str) -> str | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        if _OPAQUE_MARKER in raw[:16]:  # fast path: field 4 opens with the opaque id
            return None
        fields = _length_delimited_fields(raw)
    except (binascii.Error, ValueError):
        return None
    # Field 4 first: it is the canonical URL; the AMP variant is only a fallback.
    for _number, value in sorted(fields, key=lambda field: field[0] != 4):
        if value.startswith(_OPAQUE_MARKER):
            return None
        found = _as_http_url(value)
        if found is not None:
            return found
    return None


def article_url(url: str) -> str:
    """Canonical URL of the article behind a link.

    Older Google News tokens give the publisher URL; opaque ones give one spelling of the Google
    link whatever its path form (``/rss/articles/``, ``/articles/``, ``/read/``) or parameters;
    anything else is canonicalized as is.
    """
    token = google_news_token(url)
    if token is None:
        return canonical_url(url)
    decoded = _decode_token(token)
    if decoded is None:
        return f"https://news.google.com/rss/articles/{token}"
    return canonical_url(decoded)
