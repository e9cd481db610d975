"""Where the tests find the repository, their data and the shared corpus."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
