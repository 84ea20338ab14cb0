# Set-up, book and tests. Everything installs into .venv from pinned versions (requirements.lock).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages the tests use: Chromium for the site test, TeX and poppler for the PDF
DEBIAN_PACKAGES := chromium poppler-utils latexmk texlive-latex-recommended texlive-latex-extra \
	texlive-fonts-recommended texlive-xetex xindy fonts-lmodern fonts-dejavu-core
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: book pdf notebooks test gpu-check debian-packages clean

$(BIN)/jupyter-book: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e ".[book,test]"
	touch $@

book: $(BIN)/jupyter-book
	$(BIN)/jupyter-book build --warningiserror --nitpick --keep-going .

pdf: $(BIN)/jupyter-book debian-packages
	$(BIN)/jupyter-book build --builder pdflatex .

notebooks: $(BIN)/jupyter-book
	$(BIN)/python tools/notebooks.py

test: $(BIN)/jupyter-book debian-packages
	$(BIN)/python -m pytest

# On a CUDA GPU with ROCStories: the original experiment (configs/rocstories_bert.yaml) checked
# against the published figures, then the GPU throughput table.
#   make gpu-check ROCSTORIES_CSV="path/to/ROCStories_spring2016.csv"
gpu-check: $(BIN)/jupyter-book
	ROCSTORIES_CSV="$(ROCSTORIES_CSV)" $(BIN)/python benchmarks/gpu_check.py; check=$$?; \
	  cd benchmarks && ../$(BIN)/python gpu_throughput.py && exit $$check

debian-packages:
	@dpkg -s $(DEBIAN_PACKAGES) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	  $(DEBIAN_PACKAGES); }

clean:
	rm -rf _build runs
