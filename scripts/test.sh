#!/usr/bin/env bash
# The whole test run (`make test`): unit and end-to-end tests against the release
# binary, then every recipe in examples/, a short fuzz run (scripts/fuzz.sh), the
# Jupyter tests (scripts/test-jupyter.sh, which installs its venv when missing) and
# the TorchRec export tests (scripts/test-torchrec.sh, likewise). Ends with one
# summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
bin="$PWD/.build/release/ydnn"
log=$(mktemp)

# The tests' build is logged apart, so compiler warnings can fail the run.
swift build --build-tests 2>&1 | tee "$log.build"
build_status=${PIPESTATUS[0]}
YDNN_BIN="$bin" swift test --skip-build 2>&1 | tee "$log"
test_status=${PIPESTATUS[0]}
[ "$build_status" -eq 0 ] || test_status=$build_status

# Zero warnings (Swift 6 mode, every target): the release build (make build) and this one.
bash scripts/check-warnings.sh --log .build/release-build.log "$log.build"
warnings_status=$?
summary=$(grep -A1 "Test Suite 'All tests'" "$log" | grep -Eo "Executed [0-9]+ tests?, with [0-9]+ failures?" | tail -1)
executed=$(echo "$summary" | grep -Eo "Executed [0-9]+" | grep -Eo "[0-9]+" || echo 0)
failures=$(echo "$summary" | grep -Eo "with [0-9]+" | grep -Eo "[0-9]+" || echo 0)
executed=${executed:-0}; failures=${failures:-0}
if [ "$test_status" -ne 0 ] && [ "$failures" -eq 0 ]; then failures=1; fi

export YDNN_EXAMPLE_REPORTS; YDNN_EXAMPLE_REPORTS=$(mktemp -d)
bash scripts/run-examples.sh "$bin" | tee "$log.examples"
examples_status=${PIPESTATUS[0]}
ex_passed=$(grep -c "^== ydnn run" "$log.examples")
ex_failed=$(grep -c "^FAIL" "$log.examples")
ex_passed=$((ex_passed - ex_failed))

# A short fuzz run of the language and every loader (libFuzzer; about a minute
# after its build). It counts as one test.
bash scripts/fuzz.sh 7 2>&1 | tee "$log.fuzz"
fuzz_status=${PIPESTATUS[0]}

bash scripts/test-jupyter.sh "$bin" 2>&1 | tee "$log.jupyter"
jupyter_status=${PIPESTATUS[0]}
jp_line=$(grep -E "[0-9]+ (passed|failed|errors?)" "$log.jupyter" | tail -1)
count() { echo "$jp_line" | grep -Eo "[0-9]+ $1" | grep -Eo "[0-9]+" || echo 0; }
jp_passed=$(count passed); jp_failed=$(( $(count failed) + $(count "errors?") ))
if [ "$jupyter_status" -ne 0 ] && [ "$jp_failed" -eq 0 ]; then jp_failed=1; fi

bash scripts/test-torchrec.sh "$bin" 2>&1 | tee "$log.torchrec"
torchrec_status=${PIPESTATUS[0]}
tr_line=$(grep -E "[0-9]+ (passed|failed|errors?)" "$log.torchrec" | tail -1)
tr_passed=$(echo "$tr_line" | grep -Eo "[0-9]+ passed" | grep -Eo "[0-9]+" || echo 0)
tr_failed=$(( $(echo "$tr_line" | grep -Eo "[0-9]+ failed" | grep -Eo "[0-9]+" || echo 0) + $(echo "$tr_line" | grep -Eo "[0-9]+ errors?" | grep -Eo "[0-9]+" || echo 0) ))
if [ "$torchrec_status" -ne 0 ] && [ "$tr_failed" -eq 0 ]; then tr_failed=1; fi

passed=$((executed - failures + ex_passed + jp_passed + tr_passed))
failed=$((failures + ex_failed + jp_failed + tr_failed))
if [ "$warnings_status" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
if [ "$fuzz_status" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
rm -f "$log" "$log.examples" "$log.build" "$log.jupyter" "$log.fuzz" "$log.torchrec"; rm -rf "$YDNN_EXAMPLE_REPORTS"
echo "tests: $passed passed, $failed failed"
[ "$test_status" -eq 0 ] && [ "$examples_status" -eq 0 ] && [ "$warnings_status" -eq 0 ] && [ "$jupyter_status" -eq 0 ] \
    && [ "$fuzz_status" -eq 0 ] && [ "$torchrec_status" -eq 0 ]
