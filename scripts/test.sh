#!/usr/bin/env bash
# The whole test suite: installs what is missing, then runs every test.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SETUP_FOR_TESTS=1 # setup.sh also installs Chromium (the status page's browser test)
# shellcheck source=setup.sh
source "$ROOT/scripts/setup.sh"
cd "$ROOT"
export NO_COLOR=1
log="$(mktemp)"
deno task test "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# A plain closing line any CI can read.
line=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -1)
passed=$(echo "$line" | sed -E 's/.*\| ([0-9]+) passed.*/\1/')
failed=$(echo "$line" | sed -E 's/.*\| ([0-9]+) failed.*/\1/')
rm -f "$log"
echo "tests: ${passed:-0} passed, ${failed:-0} failed"
if [ -z "$line" ]; then echo "tests: no summary line from deno test" >&2; exit 1; fi
exit "$rc"
