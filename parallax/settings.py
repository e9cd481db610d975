"""Runtime settings, read once from the environment (and `.env`) by the entry points.

Every field maps to a ``PARALLAX_*`` variable; `.env.example` lists them with defaults.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PARALLAX_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    db: Path = Field(PROJECT_ROOT / "data" / "parallax.duckdb", description="DuckDB file")
    content_dir: Path = Field(
        PROJECT_ROOT / "site" / "content" / "summaries", description="where pages are written"
    )
    topics_file: Path = PROJECT_ROOT / "config" / "topics.yaml"
    outlets_file: Path = PROJECT_ROOT / "config" / "outlets.csv"
    google_news_url: str = Field(
        "https://news.google.com", description="base URL of the Google News RSS search endpoint"
    )
    fetch_timeout_s: float = Field(20.0, gt=0, description="connect+read timeout per request")
    fetch_retries: int = Field(3, ge=0, le=10, description="retries per feed after the first try")
    fetch_retry_delay_s: float = Field(2.0, ge=0, description="first retry delay; doubles each try")
    user_agent: str = "Parallax/0.1 (+https://github.com/parallax-news/parallax)"
    llm_model: str | None = Field(None, description="litellm model string; unset = extractive")
    llm_api_base: str | None = None

    def summarizer_label(self) -> str:
        return f"llm:{self.llm_model}" if self.llm_model else "extractive"
