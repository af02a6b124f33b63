#!/usr/bin/env bash
# Shared by the bench scripts: builds the release tools and makes sure a generated corpus
# exists. Sourced, not run. Sets EXOMIG_TARGET and CORPUS.
#   BENCH_CORPUS=DIR reuses (or generates once into) DIR instead of a fresh temp dir.
#   BENCH_CORPUS_MIB=N sets the corpus size (default 50 MiB, files 1 KB-200 KB, seed 8).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --quiet -p exomig-corpusgen -p exomig-bench-treesitter -p exomig
EXOMIG_TARGET=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/release
if [ -n "${BENCH_CORPUS:-}" ]; then
    CORPUS=$BENCH_CORPUS
else
    CORPUS=$(mktemp -d)
    trap 'rm -rf "$CORPUS"' EXIT
fi
if [ ! -d "$CORPUS" ] || [ -z "$(ls -A "$CORPUS" 2>/dev/null)" ]; then
    "$EXOMIG_TARGET/exomig-corpusgen" --out "$CORPUS" --total-mib "${BENCH_CORPUS_MIB:-50}" >&2
fi
