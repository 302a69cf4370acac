#!/bin/sh
# The Standard Webhooks reference library for JavaScript, which the webhook tests use as a
# receiver (tests/webhooks/js). Installs exactly what the lockfile says, with `npm ci`, when
# node and npm are on the machine; returns at once when they are already installed.
set -e
dir="$(dirname "$0")/../tests/webhooks/js"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "node or npm not found: the JavaScript webhook receiver tests will be skipped"
    exit 0
fi
stamp="$dir/node_modules/.package-lock.json"
if [ -f "$stamp" ] && [ "$stamp" -nt "$dir/package-lock.json" ]; then
    exit 0
fi
cd "$dir" && npm ci --no-audit --no-fund --loglevel=error
