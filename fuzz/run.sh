#!/usr/bin/env bash
# Runs every cargo-fuzz target (or the ones named) for a bounded time each and prints a table.
#   fuzz/run.sh [SECONDS_PER_TARGET=60] [TARGET...]
# Needs cargo-fuzz (`cargo install cargo-fuzz`); nightly features come from RUSTC_BOOTSTRAP=1
# on the stable toolchain. Seeds come from the repository's scripts and recorded envelopes;
# crashing inputs land in fuzz/artifacts/TARGET-crash-* and make the script exit 1.
set -uo pipefail
cd "$(dirname "$0")"

SECONDS_PER_TARGET=${1:-60}
shift || true
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz

if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi

seed() {
    local t=$1 dir=corpus/$1
    mkdir -p "$dir"
    [ -n "$(ls -A "$dir")" ] && return
    case $t in
        parse_bytes | translate_fix) cp ../tests/corpus/*.ps* ../samples/*.ps1 "$dir"/ ;;
        wsman_envelope) cp ../proxy/codec/tests/fixtures/*.xml "$dir"/ ;;
        *) ;;
    esac
}

# FUZZ_NO_BUILD=1 fuzzes the binaries already built (e.g. while the tree is mid-edit).
[ -n "${FUZZ_NO_BUILD:-}" ] || cargo fuzz build -O --target-dir "$CARGO_TARGET_DIR" || exit 1
triple=$(rustc -vV | sed -n 's/^host: //p')
mkdir -p artifacts

status=0
rows=()
for t in "${targets[@]}"; do
    seed "$t"
    dict=()
    case $t in parse_bytes | translate_fix) dict=(-dict=powershell.dict) ;; esac
    log=$(mktemp)
    if [ ! -x "$CARGO_TARGET_DIR/$triple/release/$t" ]; then
        rows+=("$(printf '%-18s %7s %12s %8s  %s' "$t" - - - "NOT BUILT")")
        status=1
        rm -f "$log"
        continue
    fi
    # The binary built above runs directly: `cargo fuzz run` would rebuild per target, and a
    # tree edited meanwhile must not change what is being fuzzed half-way.
    "$CARGO_TARGET_DIR/$triple/release/$t" "corpus/$t" \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 "${dict[@]}" -artifact_prefix="artifacts/$t-" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    artifact=$(grep -o 'artifacts/[^ ]*' "$log" | tail -1 || true)
    if [ $rc -eq 0 ]; then result=ok; else
        result="CRASH $artifact"
        status=1
        tail -40 "$log" >&2
    fi
    rows+=("$(printf '%-18s %6ss %12s %8s  %s' "$t" "$SECONDS_PER_TARGET" "${runs:-?}" "${cov:-?}" "$result")")
    rm -f "$log"
done

printf '\n%-18s %7s %12s %8s  %s\n' target time execs cov result
printf '%s\n' "${rows[@]}"
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
