#!/usr/bin/env bash
# A walkthrough of snapshot tables (docs/semantics.md, rules 16 and 17) on a feed of nightly extracts: five nights of
# a customer table, the third cut short (the truncated-extract guard sets it aside), the fourth arriving late, after
# the fifth. It shows each run, the guard's LOAD_FAILED with its counts, a key's history, and what the pipeline showed
# before the late extract came (as-of --known-at) against what it shows now.
#
#   scripts/nightly-extracts.sh [WORKSPACE]     default: a fresh folder under /tmp, kept afterwards
#
# CT is the command to run (default ./customertrack, which builds the program on first use).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ct() { (cd "$root" && ${CT:-./customertrack} "$@" -w "$ws"); }
ws="${1:-$(mktemp -d /tmp/nightly-extracts.XXXXXX)}"
mkdir -p "$ws/landing"

# One extract a night, the whole table at 02:00 UTC. A file lands as the feed would: written aside, then renamed.
land() {
  cat > "$ws/landing/.$1.tmp"
  mv "$ws/landing/.$1.tmp" "$ws/landing/$1"
}
step() { printf '\n$ customertrack %s\n' "$*"; }

cat > "$ws/customertrack.json" <<'JSON'
{ "Tables": { "customer": { "Default": true, "Mode": "snapshot", "Key": ["customer_id"], "EventTime": "extracted_at",
  "Columns": { "customer_id": "int64", "name": "string", "city": "string", "plan": "string" } } } }
JSON

night1() {
  cat <<'CSV'
customer_id,name,city,plan,extracted_at
1,Ann,Oslo,basic,2026-03-01T02:00:00Z
2,Bob,Rome,pro,2026-03-01T02:00:00Z
3,Cid,Bergen,basic,2026-03-01T02:00:00Z
4,Dee,Paris,pro,2026-03-01T02:00:00Z
5,Eli,Lyon,basic,2026-03-01T02:00:00Z
6,Fay,Turin,basic,2026-03-01T02:00:00Z
7,Gus,Milan,basic,2026-03-01T02:00:00Z
8,Hal,Nice,pro,2026-03-01T02:00:00Z
CSV
}

# Night 2: Bob moved, Eli left, Ivy and Jon joined.
night2() {
  cat <<'CSV'
customer_id,name,city,plan,extracted_at
1,Ann,Oslo,basic,2026-03-02T02:00:00Z
2,Bob,Milan,pro,2026-03-02T02:00:00Z
3,Cid,Bergen,basic,2026-03-02T02:00:00Z
4,Dee,Paris,pro,2026-03-02T02:00:00Z
6,Fay,Turin,basic,2026-03-02T02:00:00Z
7,Gus,Milan,basic,2026-03-02T02:00:00Z
8,Hal,Nice,pro,2026-03-02T02:00:00Z
9,Ivy,Genoa,basic,2026-03-02T02:00:00Z
10,Jon,Pisa,pro,2026-03-02T02:00:00Z
CSV
}

# Night 3, as the source wrote it; the copy that arrives is cut after its first four customers.
night3() {
  cat <<'CSV'
customer_id,name,city,plan,extracted_at
1,Ann,Oslo,basic,2026-03-03T02:00:00Z
2,Bob,Milan,pro,2026-03-03T02:00:00Z
3,Cid,Oslo,basic,2026-03-03T02:00:00Z
4,Dee,Paris,pro,2026-03-03T02:00:00Z
6,Fay,Turin,basic,2026-03-03T02:00:00Z
7,Gus,Milan,basic,2026-03-03T02:00:00Z
8,Hal,Nice,pro,2026-03-03T02:00:00Z
9,Ivy,Genoa,basic,2026-03-03T02:00:00Z
10,Jon,Pisa,pro,2026-03-03T02:00:00Z
CSV
}

# Night 4: Gus upgraded. It arrives late, after night 5.
night4() {
  cat <<'CSV'
customer_id,name,city,plan,extracted_at
1,Ann,Oslo,basic,2026-03-04T02:00:00Z
2,Bob,Milan,pro,2026-03-04T02:00:00Z
3,Cid,Oslo,basic,2026-03-04T02:00:00Z
4,Dee,Paris,pro,2026-03-04T02:00:00Z
6,Fay,Turin,basic,2026-03-04T02:00:00Z
7,Gus,Milan,pro,2026-03-04T02:00:00Z
8,Hal,Nice,pro,2026-03-04T02:00:00Z
9,Ivy,Genoa,basic,2026-03-04T02:00:00Z
10,Jon,Pisa,pro,2026-03-04T02:00:00Z
CSV
}

# Night 5: Gus left, Kim joined, Ann upgraded.
night5() {
  cat <<'CSV'
customer_id,name,city,plan,extracted_at
1,Ann,Oslo,pro,2026-03-05T02:00:00Z
2,Bob,Milan,pro,2026-03-05T02:00:00Z
3,Cid,Oslo,basic,2026-03-05T02:00:00Z
4,Dee,Paris,pro,2026-03-05T02:00:00Z
6,Fay,Turin,basic,2026-03-05T02:00:00Z
8,Hal,Nice,pro,2026-03-05T02:00:00Z
9,Ivy,Genoa,basic,2026-03-05T02:00:00Z
10,Jon,Pisa,pro,2026-03-05T02:00:00Z
11,Kim,Rome,basic,2026-03-05T02:00:00Z
CSV
}

# Each run picks up what landed; a run that set a file aside exits 3, which the walkthrough expects.
run() {
  step run --once
  local code=0
  ct run --once || code=$?
  [ "$code" = 0 ] || echo "(exit $code)"
  sleep 1
}

night1 | land customers_20260301.csv; run
night2 | land customers_20260302.csv; run
night3 | head -n 5 | land customers_20260303.csv; run
night5 | land customers_20260305.csv; run
before_late="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
sleep 1
night4 | land customers_20260304.csv; run

step status --files
ct status --files

step "history 7"
ct history 7

step "as-of 2026-03-04T12:00:00Z --key 7    # now, with night 4 loaded"
ct as-of 2026-03-04T12:00:00Z --key 7
step "as-of 2026-03-04T12:00:00Z --key 7 --known-at $before_late    # before night 4 arrived"
ct as-of 2026-03-04T12:00:00Z --key 7 --known-at "$before_late"

step 'query "SELECT count(*) AS customers FROM customer"    # the truncated night deleted nobody'
ct query "SELECT count(*) AS customers FROM customer"
echo
echo "workspace: $ws (customers_20260303.csv stays set aside: 'reload --force' would apply it as it is)"
