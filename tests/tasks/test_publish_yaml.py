"""libyaml's emitter (used when available) writes exactly what PyYAML's Python emitter writes."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from tasks.publish.page import dump_yaml

TRICKY = [
    "plain headline",
    "Talks: tariffs - and more - dominate",
    "'quoted' and \"double\" # not a comment",
    "- starts like a list item",
    "yes",
    "null",
    "0123",
    "1e3",
    "Precio del dólar sube — 中国 日本 العربية",
    "emoji 🚢 and tab\tinside",
    "line\nbreak",
    "trailing space ",
    " leading space",
    "{{< shortcode >}} [link](javascript:x) **bold** ---",
    "x" * 200 + " " + "word " * 60,
    "",
    "%percent @at `tick` |pipe >gt",
    "\u2028separator\u0085nel",
]


@pytest.mark.skipif(not hasattr(yaml, "CSafeDumper"), reason="PyYAML without libyaml")
@pytest.mark.parametrize("width", [None, 1000])
@pytest.mark.parametrize("text", TRICKY)
def test_c_and_python_emitters_agree(text: str, width: int | None) -> None:
    front = {
        "title": text,
        "date": dt.date(2026, 2, 7).isoformat(),
        "tags": [text, "us", 3],
        "counts": {"international": 2, "unknown": 0.25, "ok": True, "none": None},
        "description": text * 2,
    }
    python = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=width)
    assert dump_yaml(front, width=width) == python


@pytest.mark.skipif(not hasattr(yaml, "CSafeDumper"), reason="PyYAML without libyaml")
def test_random_text_dumps_as_pyyaml_would() -> None:
    """Whatever dump_yaml picks, the text is PyYAML's (pure-Python) safe_dump."""
    import random

    rng = random.Random(7)
    alphabet = [chr(c) for c in range(0x20, 0x3000)] + list("🚢\x85\u2028\u2029\ufeff\t\n:-#'\"")
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        front = {"title": text, "tags": [text]}
        assert dump_yaml(front, width=1000) == yaml.safe_dump(
            front, sort_keys=False, allow_unicode=True, width=1000
        ), repr(text)
