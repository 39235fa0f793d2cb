#!/usr/bin/env bash
# Throwaway servers on 127.0.0.1 for the server path and its tests: a PostgreSQL cluster and an S3-compatible
# server (s3rver). `up` starts them (installing what is missing) and prints `export …` lines that point
# CustomerTrack at them:   eval "$(scripts/dev-servers.sh up)"     and later:   scripts/dev-servers.sh down
# Progress goes to stderr; stdout carries only the export lines.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="${CT_DEV_DIR:-$root/.dev-servers}"
pg_port="${CT_DEV_PG_PORT:-55432}"
s3_port="${CT_DEV_S3_PORT:-45690}"
bucket="customertrack"
say() { echo "dev-servers: $*" >&2; }

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] && echo "$dir"
}

install_missing() {
  local need=()
  pg_bin >/dev/null || need+=(postgresql)
  command -v node >/dev/null || need+=(nodejs npm)
  if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "${need[@]}" >&2
  fi
  if [ ! -d "$root/scripts/s3/node_modules/s3rver" ]; then
    say "installing s3rver (npm ci)"
    (cd "$root/scripts/s3" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
}

up() {
  install_missing
  mkdir -p "$state"
  local bin; bin=$(pg_bin)
  if ! runuser -u postgres -- "$bin/pg_ctl" -D "$state/pg" status >/dev/null 2>&1; then
    rm -rf "$state/pg"
    install -d -o postgres -g postgres "$state/pg"
    runuser -u postgres -- "$bin/initdb" -D "$state/pg" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
    runuser -u postgres -- "$bin/pg_ctl" -D "$state/pg" -w -l "$state/pg/server.log" start \
      -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $state/pg -c fsync=off -c max_connections=200" >/dev/null
    # A database for trying the server path by hand; the tests make a schema each in 'postgres'.
    runuser -u postgres -- "$bin/psql" -h "$state/pg" -p "$pg_port" -U postgres -qc "CREATE DATABASE customertrack" >/dev/null
    say "PostgreSQL on 127.0.0.1:$pg_port"
  fi
  if ! { [ -f "$state/s3.pid" ] && kill -0 "$(cat "$state/s3.pid")" 2>/dev/null; }; then
    rm -rf "$state/s3"; mkdir -p "$state/s3"
    nohup node --openssl-legacy-provider "$root/scripts/s3/server.js" "$s3_port" "$state/s3" "$bucket" \
      >"$state/s3.log" 2>&1 &
    echo $! >"$state/s3.pid"
    for _ in $(seq 1 100); do
      grep -q listening "$state/s3.log" 2>/dev/null && break
      kill -0 "$(cat "$state/s3.pid")" 2>/dev/null || { cat "$state/s3.log" >&2; exit 1; }
      sleep 0.1
    done
    grep -q listening "$state/s3.log" || { say "s3rver did not start"; cat "$state/s3.log" >&2; exit 1; }
    say "s3rver on 127.0.0.1:$s3_port, bucket $bucket"
  fi
  cat <<EXPORTS
export CT_TEST_PG='Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres'
export CT_TEST_S3_ENDPOINT='http://127.0.0.1:$s3_port'
export CT_TEST_S3_BUCKET='$bucket'
export CUSTOMERTRACK__Lake__Uri='s3://$bucket/lake'
export CUSTOMERTRACK__Lake__S3__ServiceUrl='http://127.0.0.1:$s3_port'
export CUSTOMERTRACK__Lake__S3__UseChunkEncoding=false
export CUSTOMERTRACK__Warehouse__Engine=postgres
export CUSTOMERTRACK__Warehouse__ConnectionString='Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=customertrack'
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
EXPORTS
}

down() {
  local bin; bin=$(pg_bin || true)
  if [ -n "$bin" ] && [ -d "$state/pg" ]; then
    runuser -u postgres -- "$bin/pg_ctl" -D "$state/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -f "$state/s3.pid" ]; then
    kill "$(cat "$state/s3.pid")" 2>/dev/null || true
  fi
  rm -rf "$state"
  say "stopped"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
