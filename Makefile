# One virtualenv, made on first use; every target depends on it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= instance
export CREDLEDGER_DATA ?= $(DATA)
# The demo passphrase protects only the demo's keys; set your own for real data.
export CREDLEDGER_PASSPHRASE ?= demo-passphrase-not-for-production

.PHONY: run test install browser fonts interop translations clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# First run: a SQLite ledger with the demo district. Every run: fresh demo links, then serve.
run: $(STAMP) fonts
	@if [ ! -f "$(CREDLEDGER_DATA)/config.json" ]; then \
		$(BIN)/credledger init && $(BIN)/credledger demo --witnesses; \
	else \
		$(BIN)/credledger migrate && $(BIN)/credledger demo --links-only; \
	fi
	@# The demo's two witnesses beside the server (an instance made before them has none), stopped with it.
	@pids=""; for n in 1 2; do \
		if [ -d "$(CREDLEDGER_DATA)/witnesses/w$$n" ]; then \
			$(BIN)/credledger witness serve "$(CREDLEDGER_DATA)/witnesses/w$$n" --port 738$$n & pids="$$pids $$!"; \
		fi; \
	done; \
	trap 'kill $$pids 2>/dev/null' EXIT INT TERM; \
	$(BIN)/credledger serve

# The end-to-end tests drive Debian's Chromium (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

# The reference verifier (tests/interop): Digital Bazaar's stack, pinned by its package-lock.json,
# installed when node_modules is missing or older than the lock. Without node/npm the interop
# tests skip; with CI=true that is a failure (as for PostgreSQL).
INTEROP := tests/interop/node_modules/.package-lock.json

$(INTEROP): tests/interop/package-lock.json
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/interop --no-audit --no-fund; \
	elif [ "$$CI" = "true" ]; then \
		echo "node and npm are required in CI (tests/interop runs the reference verifier)" >&2; exit 1; \
	else \
		echo "node/npm not found: the reference-verifier tests (tests/interop) will be skipped" >&2; \
	fi

interop: $(INTEROP)

# The share link's PDF embeds DejaVu Sans (web/pdf.py): a server needs it too.
fonts:
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || { \
		echo "Installing Debian's fonts-dejavu-core for the PDFs"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-dejavu-core; }

# The Spanish pages (web/i18n.py): extract the messages, merge them into each catalog, compile.
# Then translate what is new or fuzzy in web/translations/*/LC_MESSAGES/messages.po and run this again:
# the compiled .mo is committed, so `make run` needs nothing more (tests/web/test_i18n.py checks both).
translations: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --omit-header -o $(VENV)/messages.pot .
	$(BIN)/pybabel -q update -i $(VENV)/messages.pot -d web/translations --width 120 --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel -q compile -d web/translations

test: $(STAMP) browser fonts interop
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(DATA)
