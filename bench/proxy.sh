#!/usr/bin/env bash
# Proxy benchmarks of issue 8, one command: bench/proxy.sh
#   - added latency (p50/p90/p99/max) of cmdlets client -> exomig proxy -> emulator, next to
#     the same cmdlets as direct REST calls to the emulator (open loop, fixed rate);
#   - pipelines per second with 1, 8 and 32 concurrent runspace pools;
#   - the proxy's RSS with 100 idle shells (fresh proxy; without and with a parked Receive).
# Builds release binaries, starts `exomig emulate` (seeded, no throttle) and `exomig proxy`
# on loopback ports, runs exomig-loadgen (bench/loadgen), prints the tables, stops both.
# Knobs (environment): RATE (50/s), DURATION (20s), WARMUP (2s), TP_DURATION (10s),
# POOLS (1,8,32), SHELLS (100), SHAPE (windows|pypsrp), LOG (the servers' log filter, info).
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${RATE:-50/s}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-2s}
TP_DURATION=${TP_DURATION:-10s}
POOLS=${POOLS:-1,8,32}
SHELLS=${SHELLS:-100}
SHAPE=${SHAPE:-windows}
LOG=${LOG:-info}

cargo build --release --quiet -p exomig -p exomig-loadgen
T=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/release

USER_NAME=admin@contoso.onmicrosoft.com
export EXOMIG_LOADGEN_PASSWORD='Passw0rd!'
# The public development key: skips generating an RSA key at startup.
export EXOMIG_EMULATOR_SIGNING_KEY=$PWD/proxy/emulator/src/dev-signing-key.pem
export EXOMIG_LOG=$LOG

work=$(mktemp -d)
emu_pid=
proxy_pid=
stop() {
    local pid=$1
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    stop "$proxy_pid"
    stop "$emu_pid"
    rm -rf "$work"
}
trap cleanup EXIT

# Waits for the line a server prints once it listens and echoes the matching part.
wait_for() {
    local file=$1 pattern=$2
    for _ in $(seq 1 300); do
        if grep -qoE "$pattern" "$file" 2>/dev/null; then
            grep -oE "$pattern" "$file" | head -1
            return 0
        fi
        sleep 0.1
    done
    echo "bench/proxy.sh: server did not start; its output:" >&2
    cat "$file" "$file.err" >&2 || true
    return 1
}

# A tenant with Adele Vance (the `-Identity` target) and 100 generated user mailboxes.
cat >"$work/seed.json" <<'EOF'
{ "Mailboxes": [ { "Alias": "adelev", "DisplayName": "Adele Vance" } ], "GenerateMailboxes": 100 }
EOF

"$T/exomig" emulate --listen 127.0.0.1:0 --seed "$work/seed.json" \
    --user "$USER_NAME:$EXOMIG_LOADGEN_PASSWORD" >"$work/emu.out" 2>"$work/emu.out.err" &
emu_pid=$!
BASE=$(wait_for "$work/emu.out" 'http://127\.0\.0\.1:[0-9]+' )

start_proxy() {
    stop "$proxy_pid"
    : >"$work/proxy.out"
    "$T/exomig" proxy --listen 127.0.0.1:0 --upstream "$BASE" --authority "$BASE" \
        --tenant contoso.onmicrosoft.com --max-shells-per-user 1000 \
        >"$work/proxy.out" 2>"$work/proxy.out.err" &
    proxy_pid=$!
    URI=$(wait_for "$work/proxy.out" 'http://127\.0\.0\.1:[0-9]+/PowerShell-LiveID')/
}
start_proxy

common=(--proxy "$URI" --user "$USER_NAME" --shape "$SHAPE" --proxy-pid "$proxy_pid" --emulator-pid "$emu_pid")

printf 'machine: %s cores (%s), %s; %s\n' "$(nproc)" \
    "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)" "$(uname -sr)" "$(date -u '+%Y-%m-%d %H:%M UTC')"
printf 'commit: %s; load average before: %s\n\n' "$(git rev-parse --short HEAD 2>/dev/null || echo '?')" "$(cut -d' ' -f1-3 /proc/loadavg)"

"$T/exomig-loadgen" latency "${common[@]}" --rest "$BASE" --rate "$RATE" \
    --duration "$DURATION" --warmup "$WARMUP"
printf '\nload average: %s\n\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

"$T/exomig-loadgen" throughput "${common[@]}" --pools "$POOLS" --duration "$TP_DURATION" \
    --warmup "$WARMUP"
printf '\nload average: %s\n\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

# A fresh proxy for each idle measurement: memory the allocator kept from the runs above
# would otherwise absorb the shells and hide their cost.
start_proxy
"$T/exomig-loadgen" idle --proxy "$URI" --user "$USER_NAME" --shape "$SHAPE" \
    --proxy-pid "$proxy_pid" --shells "$SHELLS"
echo
start_proxy
"$T/exomig-loadgen" idle --proxy "$URI" --user "$USER_NAME" --shape "$SHAPE" \
    --proxy-pid "$proxy_pid" --shells "$SHELLS" --parked-receive
printf '\nload average after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
