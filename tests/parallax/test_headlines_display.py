"""What a page shows of a headline: no invisible or reordering characters, a readable length."""

from __future__ import annotations

import pytest

from parallax.headlines import DISPLAY_TITLE_CHARS, display_text, display_title


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Plain headline stays as it is", "Plain headline stays as it is"),
        ("Reversed \u202eexe.gpj\u202c file", "Reversed exe.gpj file"),
        ("Isolate \u2066inside\u2069 text", "Isolate inside text"),
        ("Zero\u200bwidth\ufeff and soft\u00adhyphen", "Zerowidth and softhyphen"),
        ("Marks \u200eleft\u200f right", "Marks left right"),
        (
            "Persian \u0645\u06cc\u200c\u0634\u0648\u062f keeps its joiner",
            "Persian \u0645\u06cc\u200c\u0634\u0648\u062f keeps its joiner",
        ),
        ("Stray joiner \u200d at a space", "Stray joiner at a space"),
        ("Lines\nand\ttabs  collapse", "Lines and tabs collapse"),
    ],
)
def test_display_text_removes_what_a_reader_cannot_see(raw: str, shown: str) -> None:
    assert display_text(raw) == shown


def test_a_long_title_is_cut_at_a_word_with_an_ellipsis() -> None:
    title = "Harbor council weighs a plan " * 40
    shown = display_title(title)
    assert len(shown) <= DISPLAY_TITLE_CHARS and shown.endswith("…")
    assert title.startswith(shown[:-1]) and shown[-2] != " "
    assert display_title("x" * 1000) == "x" * (DISPLAY_TITLE_CHARS - 1) + "…"
    real = "A headline as long as the longest real ones " * 5  # about 225 characters
    assert display_title(real) == " ".join(real.split())
