#!/usr/bin/env bash
# Peak RSS and wall time of `exomig check` over the generated 50 MB corpus (all cores), next to
# `rg -l PSSession` over the same files. One command: bench/rss.sh
set -euo pipefail
source "$(dirname "$0")/corpus.sh"
command -v rg >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq ripgrep >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

measure() {
    local f
    f=$(mktemp)
    # exomig check exits 1 when it finds legacy code; only the measurement matters here.
    /usr/bin/time -o "$f" -f '%M %e' "$@" >/dev/null 2>&1 || true
    tail -1 "$f"
    rm -f "$f"
}
files=$(find "$CORPUS" -type f | wc -l)
mib=$(du -sm "$CORPUS" | cut -f1)
read -r exo_kb exo_s <<<"$(measure "$EXOMIG_TARGET/exomig" check --quiet "$CORPUS")"
read -r rg_kb rg_s <<<"$(measure rg -l PSSession "$CORPUS")"
printf '\ncorpus: %s files, %s MiB; load average: %s\n' "$files" "$mib" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %12s %10s\n' command "peak RSS" "wall s"
printf '%-22s %9.1f MiB %10s\n' "exomig check" "$(echo "$exo_kb / 1024" | bc -l)" "$exo_s"
printf '%-22s %9.1f MiB %10s\n' "rg -l PSSession" "$(echo "$rg_kb / 1024" | bc -l)" "$rg_s"
