"""The figures a headline states, in a form that does not depend on its language.

"18.3%", "$11 billion", "11億美元", "1.100 millones", "३२", "三十二架" and "thirty-two"
are read as numbers; "March 1", "3月1日", "1 de marzo" as a date; "F-16", "2026A", "G20"
as a designation. Two reports of one event tend to repeat a figure whatever their language,
and two reports of neighbouring events (this month's trade data and last month's, the 2026A
drill and the 2026B one) tend to differ in one. Years are left out: most headlines of a year
carry it, and it says nothing about which event of the year is meant. So are ordinals ("5th
strike", "第二次", "今年5回目"): outlets count the same event differently.
"""

from __future__ import annotations

import re
import unicodedata

# Values a multiplier word scales; lower-cased. Spanish "billón" is 10^12, English "billion" 10^9.
_MULTIPLIERS = {
    "thousand": 1e3, "k": 1e3, "mil": 1e3, "हजार": 1e3, "हज़ार": 1e3, "ہزار": 1e3, "千": 1e3,
    "million": 1e6, "millions": 1e6, "mn": 1e6, "mln": 1e6, "millón": 1e6,
    "millon": 1e6, "millones": 1e6, "mil millones": 1e9,
    "billion": 1e9, "billions": 1e9, "bn": 1e9, "bln": 1e9,
    "trillion": 1e12, "tn": 1e12, "trln": 1e12, "billón": 1e12, "billones": 1e12,
    "lakh": 1e5, "lakhs": 1e5, "लाख": 1e5, "لاکھ": 1e5,
    "crore": 1e7, "crores": 1e7, "करोड़": 1e7, "کروڑ": 1e7,
    "अरब": 1e9, "ارب": 1e9, "万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8, "兆": 1e12,
}  # fmt: skip
_UNITS = "km|kg|mw|gw|kt|t|mt|bpd|bdp|mph"  # a unit after a number: still that number


def _numbered(words: str, first: int) -> dict[str, int]:
    return {word: i for i, word in enumerate(words.split(), first)}


_MONTHS = {
    **_numbered("january february march april may june july august september october november"
                " december", 1),
    **_numbered("jan feb mar apr may jun jul aug sep oct nov dec", 1),
    **_numbered("enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre"
                " diciembre", 1),
    **_numbered("जनवरी फरवरी मार्च अप्रैल मई जून जुलाई अगस्त सितंबर अक्टूबर नवंबर दिसंबर", 1),
    **_numbered("جنوری فروری مارچ اپریل مئی جون جولائی اگست ستمبر اکتوبر نومبر دسمبر", 1),
}  # fmt: skip
_NUMBER_WORDS = {
    **_numbered("two three four five six seven eight nine ten eleven twelve", 2),
    **_numbered("dos tres cuatro cinco seis siete ocho nueve diez once doce", 2),
    "dozen": 12, "docena": 12, "thirteen": 13, "fifteen": 15, "twenty": 20, "veinte": 20,
    "thirty": 30, "treinta": 30, "fifty": 50, "cincuenta": 50, "hundred": 100, "cien": 100,
}  # fmt: skip
_CJK_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5,
               "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_CJK_SCALES = {"十": 10, "百": 100, "千": 1000}
# Counters after a number written in Chinese characters: without one, 一/三/十 are as often
# parts of words (一带一路, 三中全会) as numbers.
_CJK_COUNTERS = "个個名人架艘项項家国國倍岁歲位枚隻机機件条條座批起轮輪颗顆枚台辆輛所"

_LATIN_MULTIPLIER = (
    r"mil millones|thousand|millions?|mn|mln|millón|millon|millones|billions?|bn|bln|trillion"
    r"|trln|tn|billón|billones|lakhs?|crores?|mil|k"
)
_OTHER_MULTIPLIER = r"हजार|हज़ार|ہزار|लाख|لاکھ|करोड़|کروڑ|अरब|ارب|千|万|萬|亿|億|兆"
_NUMBER = re.compile(
    r"(?<![0-9A-Za-z.,])(?P<int>\d+(?:[.,]\d+)*)"
    rf"(?:\s?(?P<mult>(?:{_LATIN_MULTIPLIER})(?![^\W\d_])|{_OTHER_MULTIPLIER}))?"
    rf"(?P<unit>\s?-?(?:{_UNITS})(?![^\W\d_]))?"
    r"(?P<after>(?:st|nd|rd|th|º|ª|回目|番目|度目|年(?!代)|月|日|号|號)?)",
    re.IGNORECASE,
)
_CODE = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z]{1,8}-?\d+[A-Za-z]*|\d+[A-Za-z]+)(?![A-Za-z0-9])")
_ORDINAL_SUFFIX = re.compile(r"^\d+(?:st|nd|rd|th)$", re.IGNORECASE)
_UNIT_SUFFIX = re.compile(rf"^\d+(?:{_UNITS}|k|bn|mn|mln|bln|tn)$", re.IGNORECASE)
_CJK_NUMBER = re.compile(
    rf"(?<!第)([〇零一二两兩三四五六七八九十百千]+)([万萬亿億]?)(?=[{_CJK_COUNTERS}])"
)
_CJK_DATE = re.compile(r"(\d{1,2})月(\d{1,2})[日号號]")
_MONTH_WORD = r"([^\s\d.,:;!?'\"()\[\]|]+)"  # not \w: Devanagari vowel signs are not \w
_DAY_MONTH = re.compile(rf"(?<![\d.,])(\d{{1,2}})\s?(?:de\s)?{_MONTH_WORD}", re.IGNORECASE)
_MONTH_DAY = re.compile(rf"{_MONTH_WORD}\.?\s(\d{{1,2}})(?![\d.,%])", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")
_DIGITS = str.maketrans("०१२३४५६७८९۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "0123456789" * 3)


def figures(title: str, language: str = "") -> frozenset[str]:
    """Keys of the numbers ("n:18.3"), dates ("d:3-1") and designations ("c:f16") in a title."""
    text = unicodedata.normalize("NFKC", title).translate(_DIGITS)
    found: set[str] = set()
    text = _dates(text, found)
    text = _codes(text, found)
    for match in _NUMBER.finditer(text):
        value = _number(match.group("int"), language)
        after = match.group("after") or ""
        if value is None or (after and after != "年"):  # an ordinal, a month or a day
            continue
        if 1900 <= value <= 2100 and not match.group("mult") and value.is_integer():
            continue  # a year
        scale = _MULTIPLIERS.get((match.group("mult") or "").lower(), 1.0)
        found.add(_key(value * scale))
    for match in _CJK_NUMBER.finditer(text):
        value = _cjk_number(match.group(1))
        if value is not None and value >= 2:
            found.add(_key(value * _MULTIPLIERS.get(match.group(2), 1.0)))
    for word in _WORD.findall(text.lower()):
        if word in _NUMBER_WORDS:
            found.add(_key(_NUMBER_WORDS[word]))
    return frozenset(found)


def _key(value: float) -> str:
    return f"n:{value:.6g}"


def _dates(text: str, found: set[str]) -> str:
    """Adds the dates found and returns the text without them (their numbers are not counts)."""

    def cjk(match: re.Match[str]) -> str:
        found.add(f"d:{int(match.group(1))}-{int(match.group(2))}")
        return " "

    def day_month(match: re.Match[str]) -> str:
        month = _MONTHS.get(match.group(2).lower())
        if month is None:
            return match.group(0)
        found.add(f"d:{month}-{int(match.group(1))}")
        return " "

    def month_day(match: re.Match[str]) -> str:
        month = _MONTHS.get(match.group(1).lower())
        if month is None:
            return match.group(0)
        found.add(f"d:{month}-{int(match.group(2))}")
        return " "

    text = _CJK_DATE.sub(cjk, text)
    text = _DAY_MONTH.sub(day_month, text)
    return _MONTH_DAY.sub(month_day, text)


def _codes(text: str, found: set[str]) -> str:
    """Adds designations (letters and digits in one token) and returns the text without them."""

    def code(match: re.Match[str]) -> str:
        token = match.group(0)
        if _ORDINAL_SUFFIX.match(token) or _UNIT_SUFFIX.match(token):
            return token
        found.add("c:" + token.replace("-", "").casefold())
        return " "

    return _CODE.sub(code, text)


def _number(digits: str, language: str) -> float | None:
    """'1,000' and (in Spanish) '1.000' are a thousand; '18.3' and (in Spanish) '18,3' decimals."""
    thousands, decimal = (".", ",") if language == "es" else (",", ".")
    if re.fullmatch(rf"\d{{1,3}}(?:\{thousands}\d{{3}})+", digits):
        digits = digits.replace(thousands, "")
    elif decimal == "," and re.fullmatch(r"\d+,\d{1,2}", digits):
        digits = digits.replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(?:,\d{3})+", digits):  # "1,000" in a Spanish title quoting a wire
        digits = digits.replace(",", "")
    try:
        return float(digits)
    except ValueError:
        return None


def _cjk_number(text: str) -> float | None:
    """三十二 -> 32, 两 -> 2, 一百五十 -> 150; None when the characters are not a number."""
    total, current = 0, 0
    for char in text:
        if char in _CJK_DIGITS:
            current = current * 10 + _CJK_DIGITS[char] if current else _CJK_DIGITS[char]
        elif char in _CJK_SCALES:
            total += (current or 1) * _CJK_SCALES[char]
            current = 0
        else:
            return None
    return float(total + current)
