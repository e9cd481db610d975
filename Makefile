# Parallax: `make demo` and `make test` are all a fresh machine needs (Python 3.11+ and make).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo demo-site demo-serve test test-fast lint run site serve clean clean-demo

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python 3.11+ not found; install it or set PYTHON=..."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "error: $(PYTHON) is older than 3.11"; exit 1; }
	@echo "Creating $(VENV) and installing Parallax (about a minute the first time)..."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

demo: install  ## the whole pipeline, offline, on the bundled sample feeds (writes only demo/)
	$(BIN)/parallax demo

demo-site: install  ## build the demo's pages (sample data) into demo/public
	$(BIN)/python -m parallax.cli.hugo build site demo/public --environment demo --strict

demo-serve: install  ## serve the demo's site (sample data) on http://127.0.0.1:1313
	$(BIN)/python -m parallax.cli.hugo serve site --environment demo --port 1313 --bind 127.0.0.1

test: install  ## the full test suite (no network needed)
	$(BIN)/python -m pytest

test-fast: install  ## skip the slow end-to-end tests
	$(BIN)/python -m pytest -m "not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

site: install  ## build the Hugo site into site/public (fails on any Hugo warning)
	$(BIN)/python -m parallax.cli.hugo build site site/public --strict $(if $(BASE_URL),--base-url $(BASE_URL))

serve: install  ## serve the site on http://127.0.0.1:1313 with live reload
	$(BIN)/python -m parallax.cli.hugo serve site --port 1313 --bind 127.0.0.1

run: install  ## today's live run of every active topic
	$(BIN)/parallax run

clean-demo:  ## remove what `make demo` wrote (demo/: sample pages, charts, database, site)
	rm -rf demo
	@# sample pages an older `make demo` wrote into the live content folder
	grep -rlZ --include='*.md' 'news.example.org/rss/articles/SAMPLE-' site/content/summaries | xargs -0r rm -f

clean: clean-demo
	rm -rf $(VENV) site/public .pytest_cache .mypy_cache .ruff_cache
