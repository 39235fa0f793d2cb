#!/usr/bin/env bash
# Installs and starts what the tests need, builds, runs every test, and prints the runner's summary.
# Exits non-zero on any failure. Usage: ./test.sh [extra dotnet test arguments, e.g. --filter Scd]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

step() { printf '\n== %s (at %d s)\n' "$*" "$SECONDS"; }

# Installs a command's Debian package when the command is missing (as root, or through sudo).
need() {
  command -v "$1" >/dev/null 2>&1 && return
  echo "installing $2"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "$2" >/dev/null
}

step "toolchain"
if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK is needed (dotnet on PATH)" >&2
  exit 1
fi
dotnet --version
# The Snowflake key-pair tests check the JWT against openssl (the tool Snowflake's documentation uses).
need openssl openssl

# The lake's durability test watches ingest's system calls (the folder's fsync after the rename) with strace.
need strace strace

# DuckDB ships inside its NuGet package (DuckDB.NET.Bindings.Full): the embedded default needs no server.
# The server path's tests need real servers on 127.0.0.1: PostgreSQL and an S3-compatible store (s3rver).
# The dashboard's browser tests drive Debian's Chromium (Playwright never downloads a browser here).
step "chromium"
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version

step "servers"
trap 'scripts/dev-servers.sh down >/dev/null 2>&1 || true' EXIT
# Only the test variables: pointing every command at S3 would change what the embedded tests exercise.
# A server that cannot start fails the run here (a failing command substitution in an assignment stops set -e).
exports="$(scripts/dev-servers.sh up)"
eval "$(grep -v '^export CUSTOMERTRACK__' <<<"$exports")"

step "build (warnings are errors)"
dotnet build CustomerTrack.slnx -c Release --nologo -v q

step "format"
dotnet format CustomerTrack.slnx --verify-no-changes --no-restore -v q

step "bench smoke (bench --quick --json completes and reports every figure; no timing is asserted)"
smoke="$root/artifacts/bench-smoke.json"
mkdir -p "$root/artifacts"
dotnet "$root/src/CustomerTrack.Cli/bin/Release/net10.0/CustomerTrack.Cli.dll" bench --quick --json \
  --workspace "$root/artifacts/bench-smoke" > "$smoke"
for field in engine raw_copy_rows_per_s pipeline_rows_per_s naive_merge_rows_per_s freshness_p50_ms freshness_p95_ms \
    freshness_p99_ms freshness_knee_changes_per_s freshness_rates history_growth_ratio peak_rss_mb peak_rss_1m_mb \
    peak_rss_5m_mb peak_rss_sizes load_average_start rows machine handwritten_scd_rows_per_s batch_cost_small_ms \
    batch_cost_large_ms batch_cost_ratio; do
  grep -q "\"$field\": " "$smoke" || { echo "test.sh: bench --quick --json has no $field (see $smoke)" >&2; exit 1; }
done
grep -q '"engine": "duckdb"' "$smoke" || { echo "test.sh: bench --quick --json did not say engine duckdb (see $smoke)" >&2; exit 1; }
rm -rf "$root/artifacts/bench-smoke"
echo "bench smoke: every field present ($smoke)"

# The development view of freshness (docs/benchmarks.md, "Freshness by stage"): it runs and names every stage.
stages="$root/artifacts/bench-freshness.txt"
dotnet "$root/src/CustomerTrack.Cli/bin/Release/net10.0/CustomerTrack.Cli.dll" bench --quick --freshness 10000 --feed-for 2s \
  --workspace "$root/artifacts/bench-freshness" > "$stages"
for stage in "landed -> taken by ingest" "its load (before commit)" "task run (before commit)" "total"; do
  grep -q -- "$stage" "$stages" || { echo "test.sh: bench --freshness printed no '$stage' (see $stages)" >&2; exit 1; }
done
rm -rf "$root/artifacts/bench-freshness"
echo "bench --freshness smoke: every stage present ($stages)"

# The server path's smoke runs the quick bench five times over (1, 2 and 3 workers, the small run, freshness) against
# PostgreSQL and S3: 4.5 minutes under load average 20-34 here, so it runs only when asked (CT_BENCH_SMOKE_POSTGRES=1).
if [ "${CT_BENCH_SMOKE_POSTGRES:-0}" = 1 ]; then
step "bench smoke on the server path (bench --quick --json --warehouse postgres: 1, 2 and 3 workers, the ledger lock share)"
smoke_pg="$root/artifacts/bench-smoke-postgres.json"
dotnet "$root/src/CustomerTrack.Cli/bin/Release/net10.0/CustomerTrack.Cli.dll" bench --quick --json \
  --workspace "$root/artifacts/bench-smoke-postgres" --warehouse postgres --connection "$CT_TEST_PG" \
  --lake "s3://$CT_TEST_S3_BUCKET/bench-smoke" --s3-endpoint "$CT_TEST_S3_ENDPOINT" --set Lake:S3:UseChunkEncoding=false > "$smoke_pg"
for field in engine raw_copy_rows_per_s pipeline_rows_per_s freshness_knee_changes_per_s peak_rss_1m_mb peak_rss_5m_mb workers; do
  grep -q "\"$field\": " "$smoke_pg" || { echo "test.sh: bench --warehouse postgres has no $field (see $smoke_pg)" >&2; exit 1; }
done
# The loader measured its lock (a number, whatever its value), and every worker count ran.
grep -q '"engine": "postgres"' "$smoke_pg" && grep -Eq '"ledger_lock_share": [0-9]' "$smoke_pg" \
  || { echo "test.sh: bench --warehouse postgres did not report engine postgres and a measured ledger_lock_share (see $smoke_pg)" >&2; exit 1; }
for n in 1 2 3; do
  grep -q "\"workers\": $n," "$smoke_pg" || { echo "test.sh: bench --warehouse postgres has no run with $n worker(s) (see $smoke_pg)" >&2; exit 1; }
done
rm -rf "$root/artifacts/bench-smoke-postgres"
echo "bench smoke on postgres: every field present ($smoke_pg)"
fi

step "tests"
results="$root/artifacts/test-results"
mkdir -p "$root/artifacts"
rm -rf "$results"
set +e
dotnet test CustomerTrack.slnx -c Release --no-build --nologo \
  --logger "console;verbosity=normal" --logger "trx;LogFileName=tests.trx" --results-directory "$results" "$@" \
  | tee "$root/artifacts/test-output.log" | grep -E '^\s+(Failed|Skipped) |Error Message|^\s+at |^(Passed|Failed)!|Total tests'
# dotnet test's own exit code (read at once: any later command replaces PIPESTATUS).
status=${PIPESTATUS[0]}
set -e

# One closing line in the plain form CI reads: 'N passed, N failed, N skipped'.
p=0; f=0; s=0
while IFS= read -r counters; do
  get() { sed -nE "s/.* $1=\"([0-9]+)\".*/\1/p" <<<"$counters"; }
  p=$((p + $(get passed))); f=$((f + $(get failed) + $(get error))); s=$((s + $(get notExecuted)))
done < <(find "$results" -name '*.trx' -exec grep -ho '<Counters [^>]*>' {} +)
summary="$p passed, $f failed, $s skipped"
echo
echo "tests ended at $SECONDS s"
echo "$summary"
if [ "$status" -ne 0 ]; then
  echo "test.sh: tests failed (exit $status); full log in artifacts/test-output.log" >&2
  exit "$status"
fi
case "$summary" in
  "0 passed"*) echo "test.sh: no test ran" >&2; exit 1 ;;
esac
if [ "$f" -ne 0 ]; then
  echo "test.sh: $f test(s) failed; full log in artifacts/test-output.log" >&2
  exit 1
fi
