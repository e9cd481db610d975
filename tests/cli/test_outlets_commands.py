"""`parallax classify` and `parallax outlets unknown`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from parallax import storage
from parallax.cli.app import app

runner = CliRunner()


def test_classify_csv_adds_country_kind_method_confidence(tmp_path: Path):
    src = tmp_path / "in.csv"
    long_name = "x" * 10_000
    src.write_text(
        "source_name,source_url\n"
        "Dawn,https://www.dawn.com/news/1\n"
        "新华网,\n"
        "MSN,https://www.msn.com\n"
        ",\n"
        f"{long_name},http://例子.中国\n"
        "Some Unknown Gazette,not a url\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", "--input", str(src), "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(rows.columns[:2]) == ["source_name", "source_url"]
    assert {"country", "kind", "method", "confidence"} <= set(rows.columns)
    table = rows.set_index(rows["source_name"].str[:20])
    assert tuple(table.loc["Dawn", ["country", "kind", "method"]]) == ("PK", "outlet", "domain")
    assert tuple(table.loc["新华网", ["country", "method"]]) == ("CN", "name")
    assert tuple(table.loc["MSN", ["country", "kind"]]) == ("", "aggregator")
    for bad in ("", "x" * 20, "Some Unknown Gazette"):
        assert table.loc[bad, "kind"] == "unknown" and table.loc[bad, "country"] == ""
        assert table.loc[bad, "evidence"]  # the reason is given per row


def test_classify_5000_rows(tmp_path: Path):  # timing: benchmarks/classify_accuracy.py
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    pd.DataFrame(
        {
            "source_name": [f"Outlet {i}" for i in range(4990)] + ["Dawn"] * 10,
            "domain": [f"site{i}.example" for i in range(4990)] + ["dawn.com"] * 10,
        }
    ).to_csv(src, index=False)
    result = runner.invoke(app, ["classify", "-i", str(src), "-o", str(out)])
    assert result.exit_code == 0
    rows = pd.read_csv(out, keep_default_na=False)
    assert len(rows) == 5000 and (rows["country"] == "PK").sum() == 10


def test_classify_errors_are_one_line(tmp_path: Path):
    missing = runner.invoke(app, ["classify", "-i", str(tmp_path / "no.csv"), "-o", "x.csv"])
    assert missing.exit_code == 1 and "input file not found" in missing.output
    bad = tmp_path / "bad.csv"
    bad.write_text("name\nDawn\n")
    result = runner.invoke(app, ["classify", "-i", str(bad), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 1 and "source_name" in result.output
    assert "Traceback" not in result.output


def test_outlets_unknown_lists_most_frequent_first(db_path: Path, monkeypatch):
    monkeypatch.setenv("PARALLAX_DB", str(db_path))
    day = dt.date(2026, 2, 7)
    arts = pd.DataFrame(
        {
            "article_id": ["a", "b", "c", "d"],
            "fetch_id": "f",
            "feed_perspective": "us",
            "language": "en",
            "region": "US",
            "feed_position": range(4),
            "guid": list("abcd"),
            "link": list("abcd"),
            "title": "t",
            "raw_title": "t",
            "description": "",
            "source_name": ["Mystery Daily", "Mystery Daily", "Rare Post", "Dawn"],
            "source_url": None,
            "source_domain": ["mystery.example", "mystery.example", None, "dawn.com"],
            "published_at": pd.Timestamp("2026-02-07", tz="UTC"),
        }
    )
    persp = pd.DataFrame(
        {
            "article_id": list("abcd"),
            "country": [None, None, None, "PK"],
            "outlet_kind": ["unknown"] * 3 + ["outlet"],
            "outlet_name": None,
            "ownership": None,
            "method": ["none"] * 3 + ["domain"],
            "confidence": 0.0,
            "evidence": "e",
            "perspective": ["unknown"] * 3 + ["pakistan"],
        }
    )
    with storage.connect(db_path) as con:
        storage.migrate(con)
        storage.replace_day(con, "articles", "india-pakistan", day, "r", arts)
        storage.replace_day(con, "article_perspectives", "india-pakistan", day, "r", persp)
    result = runner.invoke(app, ["outlets", "unknown", "--topic", "india-pakistan"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Mystery Daily" in lines[1] and lines[1].split()[0] == "2"
    assert "Rare Post" in lines[2] and "Dawn" not in result.output
    later = runner.invoke(app, ["outlets", "unknown", "--since", "2026-02-08"])
    assert "no unclassified outlets" in later.output
