#!/usr/bin/env bash
# The project's one test command (README, .ci/run). It installs what the tests need and is
# safe to run again: a Python venv with pypsrp (the real PowerShell-remoting client used by the
# proxy's end-to-end tests) and Debian's chromium (the HTML review page is rendered headless).
set -euo pipefail
cd "$(dirname "$0")"

# Python venv with pypsrp for the proxy interop tests.
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import pypsrp' 2>/dev/null; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -r tests/python-requirements.txt
fi
export EXOMIG_PYTHON="$PWD/.venv/bin/python"

# Headless Chromium for the HTML report test.
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
fi
export EXOMIG_CHROMIUM="$(command -v chromium)"

cargo test --workspace --all-targets --locked "$@"
