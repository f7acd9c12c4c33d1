#!/usr/bin/env bash
# End-to-end benchmark, one command from a clean checkout:
#
#   bash benches/e2e.sh [S|M|L]      (default M: 20,000 customers, ~200k subscriptions, ~2M users)
#   LAYOUT=minimal bash benches/e2e.sh M   (the earlier minimal shape, for comparison)
#
# Generates the data (once, seeded) in the layouts partners really export: subscriptions as
# Windows PowerShell's Export-Csv writes them (BOM, #TYPE line, every field quoted, CRLF) and
# users as the full 28-column admin-center export plus a customer id column. Builds the release
# binary, installs DuckDB from PyPI into bench-data/venv, then times in alternating rounds (RUNS,
# default 5; medians and peak memory):
#   - kaizala-migrate plan --prices ... --outputs plan   (plan.json only)
#   - kaizala-migrate plan --prices ...                  (every deliverable)
#   - the DuckDB reference of the core job, as a whole Python process (benches/duckdb_ref.py)
# then, each against its own floor: every deliverable on one rayon thread; check on the users
# file vs the csv-crate floor over it (examples/csv-floor.rs); check on the quoted subscriptions
# vs the same rows unquoted; check on the subscriptions XLSX vs calamine's raw read of it.
# Prints the ratios. Scale L (10x M's customers, subscriptions and users, M's number of affected
# customers, minimal shape, no workbook) is the memory test: it runs only the plan.json command
# and compares its peak memory with the M run's. Needs cargo, python3 (with venv and pip) and
# network access to PyPI.
#
#   bash benches/e2e.sh affected
#
# The cost of an affected row: `check` on 200,000 and 1,000,000 customers with one expiring
# Kaizala Pro subscription each (Partner Center API layout, seeded), and on 2,000,000 rows that
# all repeat one subscription; prints time and peak memory per row, and runs the 1,000,000 file
# again under a 4 GiB address-space limit (ulimit -v). Needs only cargo and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${1:-M}"
RUNS="${RUNS:-5}"
if [ "$SCALE" = affected ]; then
  cargo build --release --bin kaizala-migrate
  BIN=target/release/kaizala-migrate
  mkdir -p bench-data/affected
  python3 - bench-data/affected <<'PY'
import os, random, sys, uuid
out = sys.argv[1]
header = "CustomerId,SubscriptionId,OfferName,Quantity,CommitmentEndDate,AutoRenewEnabled,Status\n"
def guid(r):
    return str(uuid.UUID(int=r.getrandbits(128), version=4))
for n in (200_000, 1_000_000):
    path = f"{out}/customers-{n}.csv"
    if os.path.exists(path):
        continue
    r = random.Random(n)
    with open(path, "w") as f:
        f.write(header)
        for i in range(n):
            f.write(f"{guid(r)},{guid(r)},Kaizala Pro,{1 + i % 40},2027-{1 + i % 11:02d}-15,False,Active\n")
path = f"{out}/duplicates-2000000.csv"
if not os.path.exists(path):
    r = random.Random(2)
    row = f"{guid(r)},{guid(r)},Kaizala Pro,5,2027-03-15,False,Active\n"
    with open(path, "w") as f:
        f.write(header)
        f.write(row * 2_000_000)
PY
  machine="$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
  echo "machine: $machine"
  RUNS="${RUNS:-3}"
  for f in customers-200000 customers-1000000 duplicates-2000000; do
    python3 benches/measure.py "$RUNS" "$f" -- "$BIN" check --subscriptions "bench-data/affected/$f.csv" --as-of 2026-12-01
  done | tee bench-data/out-affected.tsv
  awk -F'\t' '{ n = $1; sub(/.*-/, "", n)
    printf "%-20s %8.3f s %6d MiB  %6.2f us and %5.0f bytes per row\n", $1, $2, $4, 1e6 * $2 / n, 1048576 * $4 / n }' \
    bench-data/out-affected.tsv
  if (ulimit -v 4194304 && "$BIN" check --subscriptions bench-data/affected/customers-1000000.csv --as-of 2026-12-01 >/dev/null 2>&1); then
    echo "1,000,000 affected customers under ulimit -v 4194304: checked"
  else
    echo "1,000,000 affected customers under ulimit -v 4194304: FAILED"; exit 1
  fi
  exit 0
fi
case "$SCALE" in
  S) CUSTOMERS=2000 ;;
  M) CUSTOMERS=20000 ;;
  # L: ten times M's customers, subscriptions and users, with M's number of affected customers
  # (0.5% instead of 5%), so that everything L adds is unaffected.
  L) CUSTOMERS=200000 ;;
  *) echo "scale must be S, M, L or affected" >&2; exit 2 ;;
esac
LAYOUT="${LAYOUT:-real}"
if [ "$SCALE" = L ]; then LAYOUT=minimal; fi
case "$LAYOUT" in
  real) DATA="bench-data/$SCALE"; GEN_FLAGS=() ;;
  minimal) DATA="bench-data/$SCALE-minimal"; GEN_FLAGS=(--minimal) ;;
  *) echo "LAYOUT must be real or minimal" >&2; exit 2 ;;
esac
if [ "$SCALE" = L ]; then DATA="bench-data/L"; fi
OUT="bench-data/out-$SCALE-$LAYOUT"
BIN=target/release/kaizala-migrate

cargo build --release --bin kaizala-migrate --example gen-exports --example csv-floor --example xlsx-floor
if [ ! -s "$DATA/users.csv" ]; then
  XLSX_FLAG=()
  if [ "$SCALE" = L ]; then XLSX_FLAG=(--no-xlsx --kaizala-per-mille 5); fi
  target/release/examples/gen-exports --customers "$CUSTOMERS" --out "$DATA" "${GEN_FLAGS[@]+"${GEN_FLAGS[@]}"}" "${XLSX_FLAG[@]+"${XLSX_FLAG[@]}"}"
fi
if [ "$LAYOUT" = real ] && [ ! -s "$DATA/subscriptions-unquoted.csv" ]; then
  # The same rows without the quotes, to price the quoting.
  python3 - "$DATA/subscriptions.csv" "$DATA/subscriptions-unquoted.csv" <<'PY'
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f, open(sys.argv[2], "w", newline="", encoding="utf-8-sig") as g:
    g.write(f.readline().rstrip("\r\n") + "\r\n")
    csv.writer(g, lineterminator="\r\n").writerows(csv.reader(f))
PY
fi
if [ ! -x bench-data/venv/bin/python ]; then
  python3 -m venv bench-data/venv
  bench-data/venv/bin/pip install --quiet duckdb==1.5.6
fi
PY=bench-data/venv/bin/python

machine="$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "machine: $machine"
echo "data: $DATA ($LAYOUT layouts, $(du -sh "$DATA" | cut -f1)); users.csv $(wc -l <"$DATA/users.csv") lines, subscriptions.csv $(wc -l <"$DATA/subscriptions.csv") lines"
echo "runs per command: $RUNS"
measure() { "$PY" benches/measure.py "$RUNS" "$@"; }
PLAN_ARGS=(plan --subscriptions "$DATA/subscriptions.csv" --users "$DATA/users.csv" --prices "$DATA/prices.csv" --as-of 2026-12-01)
if [ "$SCALE" = L ]; then
  # The memory test: only the tool, against the M figures when they are there.
  {
    measure "kaizala-migrate plan --outputs plan" -- "$BIN" "${PLAN_ARGS[@]}" --out "$OUT/plan-only" --outputs plan
    measure "csv floor (users.csv)" -- target/release/examples/csv-floor "$DATA/users.csv"
  } | tee "$OUT.tsv"
  MTSV=bench-data/out-M-real.tsv
  [ -s "$MTSV" ] || MTSV=bench-data/out-M-minimal.tsv
  if [ -s "$MTSV" ]; then
    awk -F'\t' 'FNR == NR { if ($1 == "kaizala-migrate plan --outputs plan") m = $4; next }
      $1 == "kaizala-migrate plan --outputs plan" {
        printf "\npeak memory, plan.json only: M %d MiB, L %d MiB: L is %.2fx M (target <= 1.5)\n", m, $4, $4 / m }' \
      "$MTSV" "$OUT.tsv"
  fi
  exit 0
fi
{
  # The tool and DuckDB alternate, round by round.
  measure "kaizala-migrate plan --outputs plan" -- "$BIN" "${PLAN_ARGS[@]}" --out "$OUT/plan-only" --outputs plan \
    --- "kaizala-migrate plan (all outputs)" -- "$BIN" "${PLAN_ARGS[@]}" --out "$OUT/all" \
    --- "duckdb reference" -- "$PY" benches/duckdb_ref.py "$DATA/subscriptions.csv" "$DATA/users.csv" "$OUT/duckdb.csv"
  measure "kaizala-migrate plan (all outputs, 1 thread)" -- env RAYON_NUM_THREADS=1 "$BIN" "${PLAN_ARGS[@]}" --out "$OUT/all-1"
  UNQUOTED=()
  if [ -s "$DATA/subscriptions-unquoted.csv" ]; then
    UNQUOTED=(--- "kaizala-migrate check --subscriptions unquoted" -- "$BIN" check --subscriptions "$DATA/subscriptions-unquoted.csv" --as-of 2026-12-01)
  fi
  measure "csv floor (users.csv)" -- target/release/examples/csv-floor "$DATA/users.csv" \
    --- "kaizala-migrate check subscriptions + users" -- "$BIN" check --subscriptions "$DATA/subscriptions.csv" --users "$DATA/users.csv" --as-of 2026-12-01 \
    --- "kaizala-migrate check --subscriptions csv" -- "$BIN" check --subscriptions "$DATA/subscriptions.csv" --as-of 2026-12-01 \
    "${UNQUOTED[@]+"${UNQUOTED[@]}"}"
  if [ -s "$DATA/subscriptions.xlsx" ]; then
    measure "kaizala-migrate check --subscriptions xlsx" -- "$BIN" check --subscriptions "$DATA/subscriptions.xlsx" --as-of 2026-12-01 \
      --- "calamine floor (subscriptions.xlsx)" -- target/release/examples/xlsx-floor "$DATA/subscriptions.xlsx"
  fi
} | tee "$OUT.tsv"
awk -F'\t' '
  { t[$1] = $2; m[$1] = $4 }
  END {
    printf "\n%-48s %9s %9s\n", "command", "median s", "peak MiB"
    for (k in t) printf "%-48s %9.3f %9d\n", k, t[k], m[k]
    d = t["duckdb reference"]
    if (d > 0) {
      printf "\nplan.json only vs DuckDB: %.2fx its time (target <= 0.5)\n", t["kaizala-migrate plan --outputs plan"] / d
      printf "all deliverables vs DuckDB: %.2fx its time (target <= 1.5)\n", t["kaizala-migrate plan (all outputs)"] / d
    }
    o = t["kaizala-migrate plan (all outputs, 1 thread)"]; a = t["kaizala-migrate plan (all outputs)"]
    if (o > 0 && a > 0) printf "rayon: all outputs on 1 thread %.3f s, on every core %.3f s: %.2fx speed-up\n", o, a, o / a
    u = t["kaizala-migrate check subscriptions + users"] - t["kaizala-migrate check --subscriptions csv"]
    if (u > 0) printf "users ingest: %.3f s vs csv floor %.3f s: %.2fx the floor throughput (target >= 1.6x)\n", u, t["csv floor (users.csv)"], t["csv floor (users.csv)"] / u
    q = t["kaizala-migrate check --subscriptions csv"]; p = t["kaizala-migrate check --subscriptions unquoted"]
    if (q > 0 && p > 0) printf "quoted subscriptions: %.3f s for %d bytes vs unquoted %.3f s for %d bytes: %.2fx the time per byte (target <= 1.3)\n", q, qb, p, pb, (q / qb) / (p / pb)
    x = t["kaizala-migrate check --subscriptions xlsx"]; f = t["calamine floor (subscriptions.xlsx)"]
    if (x > 0 && f > 0) printf "xlsx ingest: %.3f s vs calamine %.3f s: %.0f%% of calamine throughput (target >= 80%%)\n", x, f, 100 * f / x
  }' qb="$(wc -c <"$DATA/subscriptions.csv")" pb="$( [ -s "$DATA/subscriptions-unquoted.csv" ] && wc -c <"$DATA/subscriptions-unquoted.csv" || echo 0)" "$OUT.tsv"
