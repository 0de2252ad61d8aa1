#!/usr/bin/env bash
# All set-up and the whole test suite, on a fresh machine: the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."

# The report's browser test drives Debian's Chromium (Playwright never downloads
# a browser here) and needs a Chinese font for its screenshot. Without root or
# apt these tests skip and say why.
if ! { command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; } \
        && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium fonts-wqy-zenhei >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet '.[test,dask,spacy,browser]'
PATH="$PWD/.venv/bin:$PATH" .venv/bin/python -m pytest -q "$@"
