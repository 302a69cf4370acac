#!/bin/sh
# axe-core from the npm registry, which the browser tests inject into every page they check
# (tests/browser/conftest.py: assert_accessible). Installs exactly what the lockfile in
# tests/browser/js says, with `npm ci`, when node and npm are on the machine; returns at
# once when it is already installed.
set -e
dir="$(dirname "$0")/../tests/browser/js"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "node or npm not found: the accessibility checks (axe-core) in the browser tests will be skipped"
    exit 0
fi
stamp="$dir/node_modules/.package-lock.json"
if [ -f "$stamp" ] && [ "$stamp" -nt "$dir/package-lock.json" ]; then
    exit 0
fi
cd "$dir" && npm ci --no-audit --no-fund --loglevel=error
