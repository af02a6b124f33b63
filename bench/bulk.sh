#!/usr/bin/env bash
# Bulk-scan benchmark: `exomig check` against `rg -l PSSession` on the same generated tree of
# 10,000 scripts (5% legacy connections, the rest modern admin scripts without any Exchange
# trigger text), warm page cache. Prints both times and the ratio exomig/rg.
#   bench/bulk.sh [FILES] [LEGACY_PERCENT]
set -euo pipefail
cd "$(dirname "$0")/.."

FILES=${1:-10000}
LEGACY_PERCENT=${2:-5}

install() {
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    fi
}
command -v rg >/dev/null 2>&1 || install ripgrep
command -v hyperfine >/dev/null 2>&1 || install hyperfine || true

# EXOMIG=path/to/exomig measures an existing release binary instead of building one.
if [ -z "${EXOMIG:-}" ]; then
    cargo build --release --quiet -p exomig
    target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
    EXOMIG="$target_dir/release/exomig"
fi

# BENCH_TREE=DIR keeps the generated tree in DIR (reused when it already holds FILES scripts).
if [ -n "${BENCH_TREE:-}" ]; then
    TREE=$BENCH_TREE
    mkdir -p "$TREE"
else
    TREE=$(mktemp -d)
    trap 'rm -rf "$TREE"' EXIT
fi

legacy_script() {
    cat <<'PS'
param([string]$Report = "$env:TEMP\mailboxes.csv")
$UserCredential = Get-Credential -Message 'Exchange Online administrator'
$Session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/powershell-liveid/ -Credential $UserCredential -Authentication Basic -AllowRedirection
Import-PSSession $Session -DisableNameChecking
Get-Mailbox -ResultSize Unlimited | Select-Object DisplayName, PrimarySmtpAddress | Export-Csv $Report -NoTypeInformation
Remove-PSSession $Session
PS
}

modern_script() {
    cat <<PS
<#
    Job $1: disk and service report for the file servers of site $(( $1 % 17 )).
#>
param(
    [string[]]\$ComputerName = @('fs$(( $1 % 9 ))-a', 'fs$(( $1 % 9 ))-b'),
    [int]\$ThresholdPercent = $(( 10 + $1 % 30 ))
)
\$ErrorActionPreference = 'Stop'
foreach (\$computer in \$ComputerName) {
    \$disks = Get-CimInstance -ClassName Win32_LogicalDisk -ComputerName \$computer -Filter "DriveType = 3"
    foreach (\$disk in \$disks) {
        \$free = [math]::Round(100 * \$disk.FreeSpace / \$disk.Size, 1)
        if (\$free -lt \$ThresholdPercent) {
            Write-Warning "\$computer \$(\$disk.DeviceID) has only \$free% free"
        }
    }
    Get-Service -ComputerName \$computer -Name 'LanmanServer', 'DFSR' |
        Where-Object Status -ne 'Running' |
        ForEach-Object { Write-Output "\$computer: \$(\$_.Name) is \$(\$_.Status)" }
}
PS
}

legacy_every=$(( 100 / LEGACY_PERCENT ))
if [ "$(find "$TREE" -name '*.ps1' | wc -l)" != "$FILES" ]; then
    rm -rf "${TREE:?}"/*
    echo "generating $FILES files (${LEGACY_PERCENT}% legacy) in $TREE ..." >&2
    legacy_body=$(legacy_script)
    for ((i = 0; i < FILES; i++)); do
        dir="$TREE/team$(( i % 40 ))/area$(( i % 13 ))"
        [ -d "$dir" ] || mkdir -p "$dir"
        if (( i % legacy_every == 0 )); then
            printf '%s\n' "$legacy_body" > "$dir/job$i.ps1"
        else
            modern_script "$i" > "$dir/job$i.ps1"
        fi
    done
fi
legacy_count=$(( (FILES + legacy_every - 1) / legacy_every ))
echo "tree: $FILES files, $legacy_count legacy, $(du -sh "$TREE" | cut -f1)" >&2

# Sanity: both tools must see the same legacy files.
exo_changed=$("$EXOMIG" check --format json "$TREE" | sed -n 's/^ *"changed": \([0-9]*\),\{0,1\}$/\1/p' | tail -1 || true)
rg_count=$(rg -l PSSession "$TREE" | wc -l)
echo "exomig: $exo_changed files would change; rg: $rg_count files contain PSSession" >&2

if command -v hyperfine >/dev/null 2>&1; then
    json=$(mktemp)
    hyperfine --warmup 3 --runs 15 -N --ignore-failure --export-json "$json" \
        "$EXOMIG check --quiet $TREE" "rg -l PSSession $TREE" >&2
    mapfile -t means < <(sed -n 's/^ *"mean": \([0-9.e-]*\),$/\1/p' "$json")
    rm -f "$json"
    exo=${means[0]}
    rg=${means[1]}
else
    time_ms() {
        local best=""
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            local t0 t1
            t0=$(date +%s%N)
            "$@" >/dev/null 2>&1 || true
            t1=$(date +%s%N)
            local ms=$(( (t1 - t0) / 1000 ))
            if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
        done
        echo "scale=6; $best / 1000000" | bc
    }
    "$EXOMIG" check --quiet "$TREE" >/dev/null 2>&1 || true
    exo=$(time_ms "$EXOMIG" check --quiet "$TREE")
    rg=$(time_ms rg -l PSSession "$TREE")
fi

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v exo="$exo" -v rg="$rg" -v files="$FILES" -v cores="$(nproc)" 'BEGIN {
    printf "\n%-28s %10s\n", "command (" files " files, " cores " cores)", "mean"
    printf "%-28s %8.1f ms\n", "exomig check", exo * 1000
    printf "%-28s %8.1f ms\n", "rg -l PSSession", rg * 1000
    printf "ratio exomig/rg: %.2fx (target: <= 2x)\n", exo / rg
}'
