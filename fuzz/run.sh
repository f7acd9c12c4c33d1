#!/usr/bin/env bash
# Coverage-guided fuzzing of the record reader, the workbook reader and the value parsers,
# with the stable toolchain:
#
#   bash fuzz/run.sh [SECONDS]     (default 300 per target)
#
# Installs cargo-fuzz from crates.io when missing, seeds each target's corpus with the shipped
# fixtures, and runs the targets one after the other (libFuzzer, no sanitizer: the code has no
# unsafe blocks; RUSTC_BOOTSTRAP lets stable rustc take the coverage flags). A finding is
# written to fuzz/artifacts/TARGET/ and stops that target with a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_PER_TARGET="${1:-300}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
mkdir -p corpus/records corpus/workbook corpus/values
cp ../fixtures/*.csv ../fixtures/pricing/*.csv corpus/records/
cp ../fixtures/*.xlsx ../fixtures/pricing/*.xlsx corpus/workbook/
export RUSTC_BOOTSTRAP=1
for target in records workbook values; do
  echo "== $target, ${SECONDS_PER_TARGET}s"
  cargo fuzz run --sanitizer none "$target" -- \
    -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -rss_limit_mb=4096 -timeout=20 2>&1 |
    grep -E '^(#[0-9]+ +DONE|Done|==[0-9]+==|SUMMARY|thread .* panicked)' || true
  if [ -n "$(ls -A "artifacts/$target" 2>/dev/null)" ]; then
    echo "finding(s) in fuzz/artifacts/$target" >&2
    exit 1
  fi
done
