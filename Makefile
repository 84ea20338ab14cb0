# Set-up, book and tests. Everything installs into .venv from pinned versions (requirements.lock).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: book test clean

$(BIN)/jupyter-book: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e ".[book,test]"
	touch $@

book: $(BIN)/jupyter-book
	$(BIN)/jupyter-book build --warningiserror --nitpick --keep-going .

test: $(BIN)/jupyter-book
	$(BIN)/python -m pytest

clean:
	rm -rf _build runs
