"""`parallax relevance`: score a CSV of headlines for their topic, offline."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from parallax.cli.app import app

runner = CliRunner()


def test_relevance_csv_adds_score_decision_method_and_evidence(tmp_path: Path):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    pd.DataFrame(
        {
            "topic": ["india-pakistan", "india-pakistan", "china-taiwan", "venezuela"],
            "title": [
                "Pakistan rejects India's claims on the Indus Waters Treaty",
                "Karachi traffic plan announced for the holidays",
                "国台办：坚决反对民进党当局谋独挑衅",
                "Gobierno venezolano anuncia nuevo aumento del salario mínimo",
            ],
            "source_name": ["Dawn", "Dawn", "新华网", "El Nacional"],
            "source_url": ["https://www.dawn.com", "https://www.dawn.com", "", ""],
        }
    ).to_csv(src, index=False)
    result = runner.invoke(app, ["relevance", "--input", str(src), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "4 headlines" in result.output and "3 on-topic, 1 off-topic" in result.output
    rows = pd.read_csv(out, keep_default_na=False)
    assert list(rows.columns[-4:]) == ["score", "on_topic", "method", "evidence"]
    assert rows["on_topic"].tolist() == [True, False, True, True]
    assert rows["method"].str.startswith("local:").all()
    assert rows["evidence"].str.contains("outlet: ").all()


def test_relevance_errors_are_one_line(tmp_path: Path):
    missing = runner.invoke(app, ["relevance", "-i", str(tmp_path / "no.csv"), "-o", "x.csv"])
    assert missing.exit_code == 1 and "input file not found" in missing.output
    bad = tmp_path / "bad.csv"
    bad.write_text("topic,title\nus-china,Trade talks resume\n", encoding="utf-8")
    result = runner.invoke(app, ["relevance", "-i", str(bad), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 1 and "missing ['source_name']" in result.output
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("topic,title,source_name\nmars-venus,Talks resume,Dawn\n", encoding="utf-8")
    result = runner.invoke(app, ["relevance", "-i", str(unknown), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 1 and "mars-venus" in result.output
    assert "Traceback" not in result.output
