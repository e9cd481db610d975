"""`parallax relevance`: score a CSV of headlines for their topic, offline."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from parallax.cli import output
from parallax.cli.common import fail, load_settings, read_input_csv


def relevance(
    input: Annotated[
        Path,
        typer.Option(
            "--input",
            "-i",
            help="CSV with topic, title, source_name and optional source_url, feed_perspective",
        ),
    ],
    output_csv: Annotated[Path, typer.Option("--output", "-o", help="CSV to write")],
) -> None:
    """Score headlines for their topic: adds score, on_topic, method, evidence (local scorer)."""
    from parallax.embeddings import shared_embedder
    from parallax.lexicon import LexiconError, load_lexicon
    from parallax.outlets.registry import RegistryError, load_registry
    from parallax.topics import ConfigError, load_topics
    from tasks.relevance.local import LocalScorer
    from tasks.relevance.scorer import RelevanceConfigError, load_scoring
    from tasks.relevance.table import score_table

    settings = load_settings()
    frame = read_input_csv(input)
    started = time.perf_counter()
    try:
        registry = load_registry(settings.outlets_file)
        scorer = LocalScorer(
            lexicon=load_lexicon(settings.lexicon_file),
            scoring=load_scoring(settings.relevance_file),
            embedder=shared_embedder(settings.embedding_threads or 1),
            registry=registry,
        )
        result = score_table(frame, load_topics(settings.topics_file), registry, scorer)
    except (ConfigError, LexiconError, RegistryError, RelevanceConfigError, ValueError) as exc:
        raise fail(str(exc)) from None
    output_csv.parent.mkdir(parents=True, exist_ok=True)
    result.to_csv(output_csv, index=False)
    on = int(result["on_topic"].astype(bool).sum())
    output.info(
        f"{len(result)} headlines -> {output_csv}: {on} on-topic, {len(result) - on} off-topic "
        f"({time.perf_counter() - started:.1f} s, {scorer.method})"
    )
