"""parallax.cli.hugo finds the bundled Hugo binary and turns failed builds into readable errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from parallax.cli import hugo
from parallax.cli.hugo import HugoError, build_site, hugo_binary, warning_lines


def write_site(root: Path, *, config: str = 'title = "t"\n', home: str = "<p>home</p>") -> Path:
    (root / "layouts").mkdir(parents=True)
    (root / "hugo.toml").write_text(
        'baseURL = "https://x.test/"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n'
        + config
    )
    (root / "layouts" / "home.html").write_text(home)
    return root


def test_binary_is_the_one_inside_the_hugo_package() -> None:
    binary = hugo_binary()
    assert binary.parent.name == "binaries"
    assert binary.parent.parent.name == "hugo"
    out = subprocess.run([binary, "version"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("hugo v")  # no banner line before Hugo's own output


def test_build_writes_the_site(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s")
    result = build_site(site, tmp_path / "out")
    assert (tmp_path / "out" / "index.html").read_text() == "<p>home</p>"
    assert warning_lines(result.stdout + result.stderr) == []


def test_failed_build_raises_with_hugos_message(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", home="{{ .NoSuchField }}")
    with pytest.raises(HugoError) as err:
        build_site(site, tmp_path / "out")
    assert "failed (exit 1)" in str(err.value)
    assert "NoSuchField" in str(err.value)  # Hugo's own explanation is kept


def test_warnings_fail_the_build_when_asked(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", home='{{ warnf "headline %s" "missing" }}ok')
    result = build_site(site, tmp_path / "out")  # a warning alone is not a failure...
    assert warning_lines(result.stdout + result.stderr) == ["WARN  headline missing"]
    with pytest.raises(HugoError, match="printed warnings"):  # ...unless strict
        build_site(site, tmp_path / "out", fail_on_warnings=True)


def test_not_a_site(tmp_path: Path) -> None:
    with pytest.raises(HugoError, match=r"no hugo\.toml"):
        build_site(tmp_path, tmp_path / "out")


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_site(tmp_path / "good")
    assert hugo.main(["build", str(good), str(tmp_path / "o1")]) == 0
    bad = write_site(tmp_path / "bad", home="{{ .NoSuchField }}")
    assert hugo.main(["build", str(bad), str(tmp_path / "o2")]) == 1
    assert "NoSuchField" in capsys.readouterr().err
