"""The page diff a replay prints."""

from __future__ import annotations

from flows.report import page_diff


def test_page_diff_is_empty_for_identical_pages():
    assert page_diff("a\nb\n", "a\nb\n", "x", "y") == ""
    diff = page_diff("a\nb\n", "a\nc\n", "published", "replay")
    assert diff.splitlines()[:2] == ["--- published", "+++ replay"]
    assert "-b" in diff and "+c" in diff
