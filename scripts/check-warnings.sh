#!/usr/bin/env bash
# Builds (debug) and fails if the compiler warns anywhere in our code.
#
#   scripts/check-warnings.sh            every target of ours
#   scripts/check-warnings.sh T1 T2 ...  the named targets (test targets included)
#   scripts/check-warnings.sh --log F..  no build: read compiler output saved in F..
#                                        (`make test` passes its own clean-build logs)
#
# Each run compiles the checked targets from scratch in its own build directory
# (.build-warnings): an incremental build prints nothing for files it skips, so a
# warning would pass unseen. Fetched dependencies stay cached there, and warnings
# from their sources (under checkouts/) are not ours and are ignored.
# Exit status: 0 clean, 1 warnings, 2 build failure.
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
scratch=.build-warnings

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
logs_only=0
if [ "${1:-}" = "--log" ]; then
    shift
    cat "$@" > "$log"
    logs_only=1
    targets=("the builds logged in $*")
elif [ $# -gt 0 ]; then
    targets=("$@")
else
    targets=(YDNNSignals YDNNKernels YDNN YDNNScript YDNNRepl ydnn YDNNTestSupport ydnn-bench
             YDNNTests YDNNScriptTests YDNNReplTests CLITests)
fi

# Everything but the fetched dependencies goes, so every file of ours is compiled.
if [ "$logs_only" -eq 0 ] && [ -d "$scratch" ]; then
    find "$scratch" -mindepth 1 -maxdepth 1 ! -name checkouts ! -name repositories ! -name artifacts \
        ! -name workspace-state.json -exec rm -rf {} +
fi

for t in "${targets[@]}"; do
    [ "$logs_only" -eq 1 ] && break
    echo "== swift build --target $t"
    if ! "$SWIFT" build --scratch-path "$scratch" --target "$t" >>"$log" 2>&1; then
        status=2
        echo "build of $t failed:"
        grep -E "(^|: )error: " "$log" | grep -v "^ " | sort -u
    fi
done

# Diagnostic header lines ("path:line:col: warning: ..." or SwiftPM's own
# "warning: ..."); the indented lines below them repeat the message.
warnings=$(grep -E "(^|: )warning: " "$log" | grep -Ev "^[[:space:]|]" | grep -v "/checkouts/" | sort -u)
count=0
[ -n "$warnings" ] && count=$(printf '%s\n' "$warnings" | wc -l)
if [ "$count" -gt 0 ]; then
    printf '%s\n' "$warnings"
fi
echo "warnings: $count in ${targets[*]}"
if [ "$status" -ne 0 ]; then exit "$status"; fi
[ "$count" -eq 0 ] || exit 1
