"""Runtime settings, read once from the environment (and `.env`) by the entry points.

Every field maps to a ``PARALLAX_*`` variable; `.env.example` lists them with defaults.
`Settings.llm_settings` gives the model settings (`LLMSettings`), the one reader of the
``PARALLAX_LLM_*`` variables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class LLMSettings:
    """How to call the model. Holds no secret: keys come from the provider's env var
    (``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``, ...) or are passed to `LLMClient`."""

    model: str  # any litellm model string, e.g. "openai/gpt-4o-mini"
    api_base: str | None = None  # OpenAI-compatible server (vLLM, LM Studio, a gateway)
    timeout_s: float = 60.0  # per HTTP attempt
    max_retries: int = 3  # retries after the first attempt (429/5xx/timeouts only)
    backoff_s: float = 1.0  # first retry delay; doubles each retry
    backoff_max_s: float = 30.0  # cap on one delay, also on a server's Retry-After
    max_concurrency: int = 4  # simultaneous calls per client (provider rate limits)
    temperature: float = 0.0  # deterministic output makes the cache and replays meaningful
    max_tokens: int = 1500  # room for a full digest answer
    cost_budget_usd: float | None = None  # per run; None = no limit
    input_cost_per_token: float | None = None  # for models litellm's cost map doesn't know
    output_cost_per_token: float | None = None

    def __post_init__(self) -> None:
        if not self.model.strip():
            raise ValueError("LLMSettings.model is empty")
        if self.max_concurrency < 1 or self.max_retries < 0:
            raise ValueError("max_concurrency must be >= 1 and max_retries >= 0")


@dataclass(frozen=True)
class DemoPaths:
    """Where `parallax demo` writes, inside its folder (the layout the demo site mounts)."""

    db: Path
    content: Path  # <topic>/<date>.md
    charts: Path


def demo_paths(folder: Path) -> DemoPaths:
    return DemoPaths(
        db=folder / "parallax.duckdb",
        content=folder / "content" / "summaries",
        charts=folder / "charts",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PARALLAX_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    db: Path = Field(
        PROJECT_ROOT / "data" / "parallax.duckdb",
        description="DuckDB file, or a lake: ducklake:postgres:<libpq string> or "
        "ducklake:sqlite:<file>",
    )
    lake_data_path: str | None = Field(
        None,
        description="the lake's data files: a directory every worker sees (needed when the "
        "lake is created)",
    )
    db_wait_s: float = Field(
        600.0, ge=0, description="how long a run waits for another process to release the file"
    )
    run_wait_s: float = Field(
        3600.0, ge=0, description="how long a run waits for another run on the same database"
    )
    content_dir: Path = Field(
        PROJECT_ROOT / "site" / "content" / "summaries", description="where pages are written"
    )
    charts_dir: Path = Field(
        PROJECT_ROOT / "site" / "static" / "charts", description="where topic charts are written"
    )
    sample_data: bool = Field(
        False,
        description="mark every page as sample data (the offline demo sets it); the live site "
        "refuses to build such a page",
    )
    topics_file: Path = PROJECT_ROOT / "config" / "topics.yaml"
    outlets_file: Path = PROJECT_ROOT / "config" / "outlets.csv"
    lexicon_file: Path = PROJECT_ROOT / "config" / "lexicon.yaml"
    relevance_file: Path = Field(
        PROJECT_ROOT / "config" / "relevance.yaml",
        description="weights of the local relevance score",
    )
    embedding_threads: int = Field(
        0, ge=0, description="threads of the embedding model; 0 = one per CPU core"
    )
    google_news_url: str = Field(
        "https://news.google.com", description="base URL of the Google News RSS search endpoint"
    )
    fetch_timeout_s: float = Field(20.0, gt=0, description="connect+read timeout per request")
    fetch_retries: int = Field(3, ge=0, le=10, description="retries per feed after the first try")
    fetch_retry_delay_s: float = Field(2.0, ge=0, description="first retry delay; doubles each try")
    feed_concurrency: int = Field(
        4, ge=1, le=32, description="simultaneous feed requests of a run (polite to the host)"
    )
    user_agent: str = "Parallax/0.1 (+https://github.com/parallax-news/parallax)"
    # A Google News answer is about 100 items and 70 KB; the limits keep a run's memory and
    # time bounded whatever a server sends, and what they cut is recorded in raw_fetches.
    feed_max_bytes: int = Field(
        4_000_000, ge=10_000, description="bytes read of one feed answer; the rest is cut"
    )
    feed_max_items: int = Field(
        1_000, ge=1, description="items parsed from one feed answer; the rest are counted"
    )
    backfill_processes: int = Field(
        0,
        ge=0,
        description="worker processes of a backfill (each runs a group of topics); 0 = one per "
        "topic, at most 4 per CPU core; 1 = every topic in this process",
    )
    llm_model: str | None = Field(None, description="litellm model string; unset = extractive")
    llm_api_base: str | None = Field(None, description="OpenAI-compatible server URL")
    llm_api_key_secret: str | None = Field(
        None,
        description="name of a Prefect Secret block holding the API key (else the "
        "provider's own variable, e.g. OPENAI_API_KEY)",
    )
    allow_extractive: bool = Field(
        False,
        description="when the configured model cannot be used (no key, unknown model), run with "
        "the extractive summary instead of stopping before any fetch",
    )
    classify_with_llm: bool = Field(
        True, description="ask the model about outlets the registry cannot place (needs a model)"
    )
    relevance_with_llm: bool = Field(
        True, description="with a model configured, let it judge which headlines are on-topic"
    )
    llm_timeout_s: float = Field(60.0, gt=0)
    llm_max_retries: int = Field(3, ge=0, le=10)
    llm_max_concurrency: int = Field(4, ge=1)
    llm_max_tokens: int = Field(1500, ge=100)
    llm_budget_usd: float | None = Field(None, ge=0, description="per-run cost budget")
    llm_input_cost_per_token: float | None = Field(None, ge=0)
    llm_output_cost_per_token: float | None = Field(None, ge=0)

    def llm_settings(self) -> LLMSettings | None:
        """How to call the model, or None for the extractive summarizer. Holds no secret."""
        if not self.llm_model:
            return None
        return LLMSettings(
            model=self.llm_model,
            api_base=self.llm_api_base,
            timeout_s=self.llm_timeout_s,
            max_retries=self.llm_max_retries,
            max_concurrency=self.llm_max_concurrency,
            max_tokens=self.llm_max_tokens,
            cost_budget_usd=self.llm_budget_usd,
            input_cost_per_token=self.llm_input_cost_per_token,
            output_cost_per_token=self.llm_output_cost_per_token,
        )
