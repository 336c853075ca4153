#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer, with AddressSanitizer) of labrun's parsers.
#
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer flags…]
#   scripts/fuzz.sh all 60            each target 60 s (the `fuzz` suite of scripts/test.sh)
#   scripts/fuzz.sh scenario 1800     the longer run, before a release or after a parser change
#
# TARGET: scenario (the scenario parser, against the todo stack), stack (the stack-file parser),
# kubeconfig (the kubeconfig loader's parser), or all. The fuzzers live in their own package, fuzz/,
# built with -sanitize=fuzzer,address (a release build, for more executions a second).
# Seeds: the project's own files of each format; the growing corpus is kept in fuzz/.build/corpus/
# (not in git) so that a later run starts where the last one stopped. A crash, a trap, a leak or
# overflow found by AddressSanitizer, a hang of more than 10 s on one input, more than 2 GiB of
# memory or a broken invariant (an error without position, with a control character, or over 4 KiB)
# stops the target: the input is saved as fuzz/.build/crashes/TARGET/crash-… (or timeout-…, oom-…).
# Fix it, then keep it as a fixture (Tests/ScenarioEngineTests/Fixtures/hostile/scenarios/).
# Ends with "N passed, N failed": one per target, passed when it found nothing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }
case "${1:-}" in -h|--help|"") usage; [ -n "${1:-}" ]; exit $? ;; esac
target=$1 seconds=${2:?"seconds to run each target (scripts/fuzz.sh --help)"}
shift 2
case $target in
  all) targets=(scenario stack kubeconfig) ;;
  scenario|stack|kubeconfig) targets=("$target") ;;
  *) echo "fuzz.sh: unknown target '$target' (scenario, stack, kubeconfig or all)" >&2; exit 2 ;;
esac
[[ $seconds =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a whole number, not '$seconds'" >&2; exit 2; }

build=$here/fuzz/.build
echo "=== building the fuzzers (release, -sanitize=fuzzer,address)"
# -Xcc instruments the C targets too (libyaml, under Yams), so the fuzzer sees their branches.
mkdir -p "$build"
# One build at a time: two runs started together (scenario and stack side by side) once compiled
# into the same build folder at once and failed on each other's half-written files.
exec 9>"$build/build.lock"
flock 9
# SwiftPM plans a build once and does not see a file added to a dependency given by path (the main
# package, here) until its own manifest changes: 'cannot find YAMLInteger in scope'. Planning
# again costs a few seconds; what is built stays built.
rm -f "$build/release.yaml" "$build"/*/release/description.json
if ! swift build --package-path "$here/fuzz" --build-path "$build" -c release \
    -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address >"$build/build.log" 2>&1; then
  grep -v -e 'warning: Cannot export local symbol' -e 'ld.gold: warning' "$build/build.log" | tail -n 40
  echo "fuzz: 0 passed, 1 failed"
  exit 1
fi
bin=$(swift build --package-path "$here/fuzz" --build-path "$build" -c release --show-bin-path)
flock -u 9

# Seeds of each format: the project's own files (kept out of the growing corpus).
seeds() {
  case $1 in
    scenario) ls "$here"/scenarios/*.yaml "$here"/examples/*/scenarios/*.yaml "$here"/Tests/ScenarioEngineTests/Fixtures/valid/*.yaml ;;
    stack) ls "$here"/stack/labrun.yaml "$here"/examples/*/labrun.yaml "$here"/Tests/ScenarioEngineTests/Fixtures/stacks/valid/*.yaml ;;
    kubeconfig) ls "$here"/Tests/ClientTests/Fixtures/*kubeconfig*.yaml ;;
  esac
}

passed=0 failed=0
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t seedir=$build/seeds/$t crashes=$build/crashes/$t
  mkdir -p "$corpus" "$crashes"
  rm -rf "$seedir"; mkdir -p "$seedir"
  seeds "$t" | while read -r f; do cp "$f" "$seedir/"; done
  echo "=== fuzz-$t for ${seconds}s (corpus: $corpus, $(ls "$corpus" | wc -l) inputs)"
  log=$build/fuzz-$t.log
  set +e
  "$bin/fuzz-$t" "$corpus" "$seedir" -dict="$here/fuzz/yaml.dict" -max_total_time="$seconds" -max_len=16384 \
    -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$crashes/" -print_final_stats=1 "$@" >"$log" 2>&1
  rc=$?
  set -e
  grep -E '^(#[0-9]+ +(DONE|INITED)|stat::number_of_executed_units|stat::peak_rss_mb|stat::new_units_added)' "$log" || true
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    echo "fuzz-$t: no finding ($(ls "$corpus" | wc -l) inputs in the corpus)"
  else
    failed=$((failed + 1))
    echo "fuzz-$t: FOUND A PROBLEM (exit $rc); the end of $log:"
    tail -n 40 "$log"
    ls -1 "$crashes"
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
