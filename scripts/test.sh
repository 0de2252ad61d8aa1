#!/usr/bin/env bash
# All set-up and the whole test suite, on a fresh machine: the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use, when missing and we may install them (root with
# apt); otherwise the tests that need them skip and say why:
#   chromium          the report's browser test (Playwright never downloads a browser here)
#   fonts-wqy-zenhei  a CJK TrueType font: PDFs built by the format tests, the report's screenshot
#   antiword, catdoc  converters for legacy .doc/.wps files
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need="$need fonts-wqy-zenhei"
command -v antiword >/dev/null 2>&1 || need="$need antiword"
command -v catdoc >/dev/null 2>&1 || need="$need catdoc"
if [ -n "$need" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet '.[test,dask,spacy,browser]'
PATH="$PWD/.venv/bin:$PATH" .venv/bin/python -m pytest -q "$@"
