# Both targets bootstrap everything they need from nothing and are safe to re-run.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
TS_STAMP := tests/typescript/node_modules/.installed-stamp
EXT_STAMP := vscode-extension/node_modules/.installed-stamp

.PHONY: dev test lint typecheck pytest bench clean editors code-server

# What serving needs (`make dev`): the package and its runtime dependencies only.
SERVE_STAMP := $(VENV)/.serve-stamp
$(SERVE_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(SERVE_STAMP)

# Everything the tests need on top.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The TypeScript compiler the tests run on generated clients; reinstalled when the lockfile changes.
$(TS_STAMP): tests/typescript/package-lock.json
	npm ci --prefix tests/typescript
	touch $(TS_STAMP)

# The VS Code extension's toolchain; reinstalled when the lockfile changes.
$(EXT_STAMP): vscode-extension/package-lock.json
	npm ci --prefix vscode-extension
	touch $(EXT_STAMP)

dev: $(SERVE_STAMP)
	cd examples/blog && ../../$(BIN)/hotbed dev --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check core server tests bench examples

typecheck: $(STAMP)
	$(BIN)/mypy

# Emacs (with eglot) for the editor tests; Neovim comes with the dev extra.
editors:
	scripts/editors.sh

# The real VS Code test: code-server 4.100.3 (in .cache/), and the extension's .vsix.
code-server:
	scripts/code-server.sh

VSIX := vscode-extension/dist/hotbed-0.1.0.vsix
$(VSIX): $(EXT_STAMP) vscode-extension/package.json $(wildcard vscode-extension/src/*.ts vscode-extension/src/*/*.ts)
	cd vscode-extension && npm run package

pytest: $(STAMP) $(TS_STAMP) editors code-server $(VSIX)
	scripts/postgres.sh $(BIN)/pytest

# The engine's tests on the machine's other Pythons (3.12, 3.13): the patcher reads bytecode.
.PHONY: engine-pythons
engine-pythons:
	scripts/engine-pythons.sh

test: lint typecheck pytest engine-pythons extension

# The VS Code extension: lint, unit tests, the .vsix, and its protocol test against the real language server.

.PHONY: extension
extension: $(EXT_STAMP) $(STAMP)
	cd vscode-extension && npm run lint && npm test && npm run package
	cd vscode-extension && HOTBED_PYTHON=../$(BIN)/python npm run test:protocol

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
