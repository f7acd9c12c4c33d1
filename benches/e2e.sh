#!/usr/bin/env bash
# End-to-end benchmark, one command from a clean checkout:
#
#   bash benches/e2e.sh [S|M|L]      (default M: 20,000 customers, ~200k subscriptions, ~2M users)
#
# Generates the data (once, seeded), builds the release binary, installs DuckDB from PyPI into
# bench-data/venv, then times, RUNS times each (default 5), median and peak memory:
#   - kaizala-migrate plan --outputs plan        (plan.json only)
#   - kaizala-migrate plan                        (every deliverable; again on one rayon thread)
#   - the DuckDB reference of the core job        (benches/duckdb_ref.py)
#   - the csv-crate floor over the users file     (examples/csv-floor.rs)
#   - kaizala-migrate check on the subscriptions XLSX vs calamine's raw read of it
# and prints the ratios. Scale L (10x M's customers, subscriptions and users, M's number of
# affected customers, no workbook) is the memory test: it runs only the plan.json command and
# compares its peak memory with the M run's. Needs cargo, python3 (with venv and pip) and network access to PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${1:-M}"
RUNS="${RUNS:-5}"
case "$SCALE" in
  S) CUSTOMERS=2000 ;;
  M) CUSTOMERS=20000 ;;
  # L: ten times M's customers, subscriptions and users, with M's number of affected customers
  # (0.5% instead of 5%), so that everything L adds is unaffected.
  L) CUSTOMERS=200000 ;;
  *) echo "scale must be S, M or L" >&2; exit 2 ;;
esac
DATA="bench-data/$SCALE"
OUT="bench-data/out-$SCALE"
BIN=target/release/kaizala-migrate

cargo build --release --bin kaizala-migrate --example gen-exports --example csv-floor --example xlsx-floor
if [ ! -s "$DATA/users.csv" ]; then
  XLSX_FLAG=()
  if [ "$SCALE" = L ]; then XLSX_FLAG=(--no-xlsx --kaizala-per-mille 5); fi
  target/release/examples/gen-exports --customers "$CUSTOMERS" --out "$DATA" "${XLSX_FLAG[@]+"${XLSX_FLAG[@]}"}"
fi
if [ ! -x bench-data/venv/bin/python ]; then
  python3 -m venv bench-data/venv
  bench-data/venv/bin/pip install --quiet duckdb==1.5.6
fi
PY=bench-data/venv/bin/python

machine="$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "machine: $machine"
echo "data: $DATA ($(du -sh "$DATA" | cut -f1)); users.csv $(wc -l <"$DATA/users.csv") lines, subscriptions.csv $(wc -l <"$DATA/subscriptions.csv") lines"
echo "runs per command: $RUNS"
measure() { "$PY" benches/measure.py "$RUNS" "$@"; }
PLAN_ARGS=(plan --subscriptions "$DATA/subscriptions.csv" --users "$DATA/users.csv" --prices "$DATA/prices.csv" --as-of 2026-12-01)
if [ "$SCALE" = L ]; then
  # The memory test: only the tool, against the M figures when they are there.
  {
    measure "kaizala-migrate plan --outputs plan" -- "$BIN" "${PLAN_ARGS[@]}" --out "$OUT/plan-only" --outputs plan
    measure "csv floor (users.csv)" -- target/release/examples/csv-floor "$DATA/users.csv"
  } | tee "$OUT.tsv"
  if [ -s bench-data/out-M.tsv ]; then
    awk -F'\t' 'FNR == NR { if ($1 == "kaizala-migrate plan --outputs plan") m = $4; next }
      $1 == "kaizala-migrate plan --outputs plan" {
        printf "\npeak memory, plan.json only: M %d MiB, L %d MiB: L is %.2fx M (target <= 1.5)\n", m, $4, $4 / m }' \
      bench-data/out-M.tsv "$OUT.tsv"
  fi
  exit 0
fi
{
  measure "kaizala-migrate plan --outputs plan" -- "$BIN" "${PLAN_ARGS[@]}" --out "$OUT/plan-only" --outputs plan
  measure "kaizala-migrate plan (all outputs)" -- "$BIN" "${PLAN_ARGS[@]}" --out "$OUT/all"
  measure "kaizala-migrate plan (all outputs, 1 thread)" -- env RAYON_NUM_THREADS=1 "$BIN" "${PLAN_ARGS[@]}" --out "$OUT/all-1"
  measure "duckdb reference" -- "$PY" benches/duckdb_ref.py "$DATA/subscriptions.csv" "$DATA/users.csv" "$OUT/duckdb.csv"
  measure "csv floor (users.csv)" -- target/release/examples/csv-floor "$DATA/users.csv"
  measure "kaizala-migrate check subscriptions + users" -- "$BIN" check --subscriptions "$DATA/subscriptions.csv" --users "$DATA/users.csv" --as-of 2026-12-01
  measure "kaizala-migrate check --subscriptions csv" -- "$BIN" check --subscriptions "$DATA/subscriptions.csv" --as-of 2026-12-01
  if [ -s "$DATA/subscriptions.xlsx" ]; then
    measure "kaizala-migrate check --subscriptions xlsx" -- "$BIN" check --subscriptions "$DATA/subscriptions.xlsx" --as-of 2026-12-01
    measure "calamine floor (subscriptions.xlsx)" -- target/release/examples/xlsx-floor "$DATA/subscriptions.xlsx"
  fi
} | tee "$OUT.tsv"
awk -F'\t' '
  { t[$1] = $2; m[$1] = $4 }
  END {
    printf "\n%-48s %9s %9s\n", "command", "median s", "peak MiB"
    for (k in t) printf "%-48s %9.3f %9d\n", k, t[k], m[k]
    d = t["duckdb reference"]
    if (d > 0) {
      printf "\nplan.json only vs DuckDB: %.2fx its time (target <= 0.8)\n", t["kaizala-migrate plan --outputs plan"] / d
      printf "all deliverables vs DuckDB: %.2fx its time (target <= 3)\n", t["kaizala-migrate plan (all outputs)"] / d
    }
    o = t["kaizala-migrate plan (all outputs, 1 thread)"]; a = t["kaizala-migrate plan (all outputs)"]
    if (o > 0 && a > 0) printf "rayon: all outputs on 1 thread %.3f s, on every core %.3f s: %.2fx speed-up\n", o, a, o / a
    u = t["kaizala-migrate check subscriptions + users"] - t["kaizala-migrate check --subscriptions csv"]
    if (u > 0) printf "users ingest: %.3f s vs csv floor %.3f s: %.0f%% of the floor throughput (target >= 80%%)\n", u, t["csv floor (users.csv)"], 100 * t["csv floor (users.csv)"] / u
    x = t["kaizala-migrate check --subscriptions xlsx"]; f = t["calamine floor (subscriptions.xlsx)"]
    if (x > 0 && f > 0) printf "xlsx ingest: %.3f s vs calamine %.3f s: %.0f%% of calamine throughput (target >= 80%%)\n", x, f, 100 * f / x
  }' "$OUT.tsv"
