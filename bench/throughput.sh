#!/usr/bin/env bash
# Parse and parse+translate throughput (MB/s, files/s) of exomig next to tree-sitter-powershell
# parsing the same generated corpus (>= 50 MB of scripts of 1 KB-200 KB), on one core and on
# all cores, with the ratio to tree-sitter. One command: bench/throughput.sh [RUNS=3]
set -euo pipefail
source "$(dirname "$0")/corpus.sh"
"$EXOMIG_TARGET/exomig-bench-treesitter" --corpus "$CORPUS" --runs "${1:-3}"
