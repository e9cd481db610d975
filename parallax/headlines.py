"""The title vocabulary: how Parallax reads a headline, in one place.

- Feed text hygiene (`clean_text`) and Google News' " - Source" suffix: `split_title` removes
  exactly the suffix the feed's own ``<source>`` names (the item title is "Headline - Source");
  `trailing_publisher` reads the publisher an aggregator item credits in its title; the
  normalization that compares headlines (`normalize_title`) drops any trailing publisher-like
  part, because copies of one story carry different outlets' names. All three split at the
  same separator, `SUFFIX_SEPARATOR`.
- `normalize_title` / `content_tokens` / `stem`: what identifies a story in a headline.
- Two stopword lists, each named for its purpose: `IDENTITY_STOPWORDS` (function words that
  never make two headlines different stories) and `SUMMARY_STOPWORDS` (words that say nothing
  about which story a headline is about, for the extractive summary's key terms).
"""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

# Normalized titles shorter than this are labels ("editorial cartoon", "china economy"), not
# the identity of a story.
MIN_IDENTIFYING_TOKENS = 3
# " - ", " | ", " – ", " — " between a headline and a trailing part (usually the publisher).
_SEPARATORS = "-–—|"
SUFFIX_SEPARATOR = re.compile(rf"\s+[{_SEPARATORS}]\s+")
# The last such part, when it has no separator character of its own.
_TRAILING_PART = re.compile(rf"\s[{_SEPARATORS}]\s+([^{_SEPARATORS}]{{2,80}})$")
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None) -> str:
    """One line of plain text: entities decoded, control characters and runs of space removed."""
    return _one_line(html.unescape(value or ""))


def _one_line(text: str) -> str:
    return _SPACE.sub(" ", _CONTROL.sub(" ", text)).strip()


class _VisibleText(HTMLParser):
    """The text a browser would show of an HTML fragment: tags dropped, entities decoded, the
    content of script and style elements left out."""

    _HIDDEN = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in self._HIDDEN

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def title_text(value: str | None) -> str:
    """A feed title as plain text. Feed readers (feedparser among them) hand titles over as
    HTML, and some carry markup ("<b>Breaking</b>: ..."): a headline is text, so the markup is
    dropped here and nothing downstream ever renders a title as HTML."""
    parser = _VisibleText()
    parser.feed(value or "")
    parser.close()
    return _one_line("".join(parser.parts))


# Characters a page never shows: bidirectional controls (an override makes text read in an
# order other than stored: "gpj.exe" shown as "exe.jpg") and invisible ones (zero-width spaces,
# soft hyphens, tags) that hide differences between names. The zero-width (non-)joiners shape
# Persian and Indic words, so they stay between two letters and go elsewhere.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
    "\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
    "|(?<!\\w)[\u200c\u200d]|[\u200c\u200d](?!\\w)"
)
# Longest headline a page shows whole: real ones stay under about 260 characters.
DISPLAY_TITLE_CHARS = 300
# Longest other text (a summary bullet, an outlet name) a page shows whole.
DISPLAY_TEXT_CHARS = 600


def display_text(value: str, max_chars: int = DISPLAY_TEXT_CHARS) -> str:
    """Text as a page shows it: one line, without bidirectional controls or invisible
    characters, cut at a word boundary to ``max_chars`` (with "…"). The stored text keeps
    everything."""
    text = " ".join(_INVISIBLE.sub("", value).split())
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    space = cut.rfind(" ")
    if space >= max_chars * 0.8:  # a word boundary near the end, else cut inside the word
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def display_title(title: str) -> str:
    """A headline as a page shows it (`display_text`, cut at `DISPLAY_TITLE_CHARS`)."""
    return display_text(title, DISPLAY_TITLE_CHARS)


# Names of the feeds' languages (ISO 639-1), for marking a headline's language on a page.
LANGUAGE_NAMES = {
    "en": "English", "es": "Spanish", "zh": "Chinese", "ja": "Japanese", "hi": "Hindi",
    "ur": "Urdu", "ko": "Korean", "fr": "French", "de": "German", "pt": "Portuguese",
    "ru": "Russian", "ar": "Arabic",
}  # fmt: skip


def language_name(code: str | None) -> str:
    code = (code or "en").split("-")[0].lower()
    return LANGUAGE_NAMES.get(code, code)


def in_english(language: str | None) -> bool:
    return (language or "en").split("-")[0].lower() == "en"


def split_title(raw_title: str, source_name: str | None) -> str:
    """Headline without Google News' " - Source" suffix: only the suffix naming the item's own
    ``<source>``, exactly as Google News appends it (a headline may end in other dashes)."""
    title = clean_text(raw_title)
    if source_name:
        suffix = f" - {clean_text(source_name)}"
        if title.endswith(suffix) and len(title) > len(suffix):
            return title[: -len(suffix)].rstrip()
    return title


def trailing_publisher(title: str | None) -> str | None:
    """'Headline - Reuters' -> 'Reuters': the publisher an aggregator item credits, if any (a
    trailing part of 2-80 characters with no dash or bar of its own)."""
    if not title or len(title) > 2000:
        return None
    match = _TRAILING_PART.search(title.strip())
    return match.group(1).strip() if match else None


# Words that say nothing about which story a headline is about (English and Spanish feeds):
# left out of the extractive summary's key terms.
SUMMARY_STOPWORDS = frozenset(
    """
    a about after against al amid an and are as at be been by con de del el en for from has have
    he his in into is it its la las los more new news not of on or over para por que says say se
    she su than that the their this to un una was were what when who why will with y
    """.split()  # noqa: SIM905 - a word list reads better as text
)

# Function words carry no identity: they are left out of similarity and never make two
# headlines different stories. English and Spanish (the corpus languages). Negations are
# not in the list: "will not attend" is another story than "will attend".
_IDENTITY_STOPWORD_TEXT = """a an the and or but nor of in on at to for from by with as is are
    was were be been being
    it its this that these those over after before amid about into onto than then up down out off
    will would could should may might can must yes vs via per his her their our your my we
    they he she you i who whom what when where why how all also just more most very so if while
    says say said report reports reportedly
    el la los las lo un una unos unas y e o u de del al en por para con sin sobre tras ante que
    se su sus es fue ser ha han como mas más ya"""
IDENTITY_STOPWORDS = frozenset(_IDENTITY_STOPWORD_TEXT.split())

# Leading labels wires and outlets put on their copies ("UPDATE 2-", "Exclusive:").
_LEADING_LABEL = re.compile(
    r"^\s*(?:(?:exclusive|breaking(?:\s+news)?|update(?:\s*\d+)?|updated|refile|corrected|"
    r"live(?:\s+updates)?|watch|video|urgent|flash|analysis|factbox|explainer)\s*[:|\-–—]+\s*)+",
    re.IGNORECASE,
)
_DOMAIN = re.compile(r"[\w.-]+\.[a-z]{2,}")
_ABBREVIATION_DOT = re.compile(r"\b([^\W\d_])\.")  # U.S. -> US, U.N. -> UN
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")
_APOSTROPHE = re.compile(r"(?<=\w)['’](?=\w)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
# One spelling for words outlets write two ways: "three"/"3", "first"/"1st", "mln"/"million".
_NUMBER_WORDS = "one two three four five six seven eight nine ten eleven twelve"
_ORDINAL_WORDS = "first second third fourth fifth sixth seventh eighth ninth tenth"
_WORD_FORMS = {
    **{word: str(i) for i, word in enumerate(_NUMBER_WORDS.split(), start=1)},
    **{
        word: f"{i}{'st' if i == 1 else 'nd' if i == 2 else 'rd' if i == 3 else 'th'}"
        for i, word in enumerate(_ORDINAL_WORDS.split(), start=1)
    },
    "mln": "million",
    "bln": "billion",
    "bn": "billion",
    "trln": "trillion",
}
# "4.1pc", "30 pct", "15 per cent" are the "%" that punctuation removal drops anyway.
_PERCENT_WORD = re.compile(r"(?<=\d)\s?(?:pc|pct|per\s?cent|percent|por\s?ciento)\b", re.IGNORECASE)
_PUNCT = re.compile(r"(?!(?<=\d)\.(?=\d))\.")  # full stops, except the decimal point


def _strip_any_source_suffix(title: str, source_name: str | None) -> str:
    parts = SUFFIX_SEPARATOR.split(title)
    if len(parts) < 2:
        return title
    suffix = parts[-1].strip()
    head = title[: title.rfind(suffix)].rstrip(" -–—|")
    if source_name and suffix.casefold() == source_name.strip().casefold():
        return head
    # A trailing publisher we were not told about: short, capitalized or a domain, no digits,
    # after a headline long enough to stand alone ("... - China Daily", "... | Taipei Times").
    words = suffix.split()
    looks_like_outlet = (
        0 < len(words) <= 4
        and not any(ch.isdigit() for ch in suffix)
        and (all(w[:1].isupper() for w in words) or _DOMAIN.fullmatch(suffix) is not None)
    )
    if looks_like_outlet and len(head.split()) >= 4:
        return head
    return title


def _punctuation_table() -> dict[int, str]:
    """Every punctuation or symbol character (Unicode P* and S*) up to CJK to a space; the
    full stop is left to ``_PUNCT`` so decimals survive. Built once: str.translate is many
    times faster than a regex over each headline."""
    table = {}
    for code in range(0x3100):
        if unicodedata.category(chr(code))[0] in "PS" and chr(code) != ".":
            table[code] = " "
    table[ord("_")] = " "
    return table


_PUNCTUATION = _punctuation_table()
# Accents dropped: copies of Spanish wire stories differ in them ("Rodríguez" / "Rodriguez").
_COMBINING_MARKS = {code: None for code in range(0x3100) if unicodedata.combining(chr(code))}


def normalize(title: object, source_name: str | None, casefold: bool) -> str:
    """`normalize_title`, optionally keeping the case (which marks names)."""
    # Each step runs only when its trigger character is present: this is the hot loop of a
    # batch (one call per distinct headline), so cheap `in` tests pay for themselves.
    text = unicodedata.normalize("NFKC", title if isinstance(title, str) else "").strip()
    if " - " in text or " | " in text or " – " in text or " — " in text:
        text = _strip_any_source_suffix(text, source_name)
    text = _LEADING_LABEL.sub("", text)
    if "&" in text:
        text = text.replace("&", " and ")
    if "." in text:
        text = _ABBREVIATION_DOT.sub(r"\1", text)
    if "'" in text or "’" in text:
        text = _POSSESSIVE.sub("", text)
        text = _APOSTROPHE.sub("", text)
    if "," in text:
        text = _THOUSANDS.sub("", text)
    if "p" in text:
        text = _PERCENT_WORD.sub("", text)
    text = text.translate(_PUNCTUATION)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).translate(_COMBINING_MARKS)
    if "." in text:
        text = _PUNCT.sub(" ", text)
    if casefold:
        text = text.casefold()
        return " ".join(_WORD_FORMS.get(t, t) for t in text.split())
    return " ".join(_WORD_FORMS.get(t.casefold(), t) for t in text.split())


def normalize_title(title: str, source_name: str | None = None) -> str:
    """Headline reduced to what identifies the story.

    NFKC; drop a trailing " - Source" (the given source name, or a short capitalized
    publisher-like suffix after a headline of 4+ words), leading wire labels ("UPDATE 2-",
    "Exclusive:"), possessive 's, quotes and punctuation ("U.S." becomes "us", "1,000" "1000",
    "4.1pc" and "4.1%" "4.1", decimals survive), accents; casefold; collapse whitespace; number
    words as digits ("three" -> "3", "first" -> "1st") and "mln" as "million".
    """
    return normalize(title, source_name, casefold=True)


def content_tokens(normalized: str) -> frozenset[str]:
    """Words of a normalized title that carry meaning (stopwords left out)."""
    return frozenset(normalized.split()) - IDENTITY_STOPWORDS


def stem(token: str) -> str:
    """Crude plural folding, only for deciding whether a differing token matters."""
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token
