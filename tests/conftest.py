"""Shared fixtures. No test touches the network: feeds come from local HTTP servers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
from parallax.quiet import configure_quiet_env

configure_quiet_env()

from tests.support.paths import DATA, REPO, SHARED_CORPUS  # noqa: E402, F401 (re-exported)


@pytest.fixture(autouse=True)
def _isolated_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes into the working tree's data/ or site/ folders."""
    monkeypatch.setenv("PARALLAX_DB", str(tmp_path / "parallax.duckdb"))
    monkeypatch.setenv("PARALLAX_CONTENT_DIR", str(tmp_path / "content"))
    monkeypatch.setenv("PARALLAX_CHARTS_DIR", str(tmp_path / "charts"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "parallax.duckdb"


@pytest.fixture
def con(db_path: Path) -> Iterator:
    from parallax import storage

    with storage.connect(db_path) as connection:
        storage.migrate(connection)
        yield connection


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect API for every flow test of the session (~10 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def corpus_dir() -> Path:
    if not (SHARED_CORPUS / "articles.csv").exists():
        pytest.skip(f"shared corpus not found at {SHARED_CORPUS} (present in CI, not in a clone)")
    return SHARED_CORPUS


@pytest.fixture
def feed_server(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """A scripted local feed server the pipeline's settings point at (no retries, no model)."""
    from tests.support.feedserver import ScriptedServer

    feeds = ScriptedServer()
    monkeypatch.setenv("PARALLAX_GOOGLE_NEWS_URL", feeds.url)
    monkeypatch.setenv("PARALLAX_FETCH_RETRIES", "0")
    monkeypatch.setenv("PARALLAX_FETCH_RETRY_DELAY_S", "0")
    monkeypatch.delenv("PARALLAX_LLM_MODEL", raising=False)
    yield feeds
    feeds.close()


@pytest.fixture(scope="session")
def postgres() -> Iterator:
    """A PostgreSQL server of the session's own (tests/support/postgres.py), for lake tests."""
    from tests.support.postgres import running_postgres

    try:
        with running_postgres() as server:
            yield server
    except LookupError as exc:
        pytest.skip(f"no PostgreSQL server for the lake tests: {exc}")


@pytest.fixture
def lake_url(postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new, empty lake: its own catalog database on the session's server, data under
    tmp_path; PARALLAX_DB points at it."""
    import uuid

    name = "lake_" + uuid.uuid4().hex[:10]
    postgres.create_database(name)
    url = postgres.lake_url(name)
    monkeypatch.setenv("PARALLAX_DB", url)
    monkeypatch.setenv("PARALLAX_LAKE_DATA_PATH", str(tmp_path / "lake-data") + "/")
    from parallax import storage

    storage.configure(lake_data_path=str(tmp_path / "lake-data") + "/")
    return url
