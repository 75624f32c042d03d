# One virtualenv, made on first use; every target depends on it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= instance
export CREDLEDGER_DATA ?= $(DATA)
# The demo passphrase protects only the demo's keys; set your own for real data.
export CREDLEDGER_PASSPHRASE ?= demo-passphrase-not-for-production

.PHONY: run test install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@if [ ! -f "$(CREDLEDGER_DATA)/config.json" ]; then \
		$(BIN)/credledger init && $(BIN)/credledger demo; \
	fi
	$(BIN)/credledger serve

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(DATA)
