#!/usr/bin/env bash
# Builds and tests the CustomerTrack containers with podman on Debian (no Docker engine, no registry needed).
#
#   scripts/containers.sh prepare   install podman & co. and make the local base image (what build does first)
#   scripts/containers.sh publish   dotnet publish the app (self-contained, trimmed) and npm-install s3rver on the
#                                   host into artifacts/container/ (what the Containerfiles COPY; Docker users too)
#   scripts/containers.sh build     install podman & co. (apt-get, idempotent), write the CONTAINERS_CONF file,
#                                   make the local base image once (debootstrap + podman import), publish, build
#                                   customertrack:local and the two server images
#   scripts/containers.sh test      build, then compose up (generator + pipeline + servers), wait until the host
#                                   sees the first customer, stop, check the workspace from the host, tear down
#
# Settings (environment): CT_WORKSPACE (test: a fresh folder under artifacts/container/), CT_KEEP=1 keeps the
# test workspace, CT_RUN_SECONDS (test: how long to let the feed run, default 8).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

out="$root/artifacts/container"
app="$out/app"
base_image=localhost/debian-min:bookworm
export CONTAINERS_CONF="${CONTAINERS_CONF:-$out/containers.conf}"
# compose.yaml takes the bases from these; here all three are the local debootstrap base.
export CT_BASE_IMAGE="$base_image" CT_DEBIAN_BASE_IMAGE="$base_image" CT_NODE_BASE_IMAGE="$base_image"

step() { printf '\n== %s\n' "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

install_tools() {
  step "podman and what it needs (apt-get)"
  local pkgs=(podman runc netavark aardvark-dns iptables fuse-overlayfs slirp4netns uidmap catatonit debootstrap
    podman-compose)
  if dpkg-query -W -f='${Status}\n' "${pkgs[@]}" 2>/dev/null | grep -vq '^install ok installed$' \
     || [ "$(dpkg-query -W -f='${Status}\n' "${pkgs[@]}" 2>/dev/null | wc -l)" -ne "${#pkgs[@]}" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null; }
  fi
}

write_conf() {
  # This sandbox cannot raise rlimits (no CAP_SYS_RESOURCE) and crun refuses the hybrid cgroup layout;
  # netavark (not CNI) gives compose services DNS by name.
  local hard nofile
  hard="$(ulimit -Hn)"
  nofile=20000
  if [ "$hard" != unlimited ] && [ "$hard" -lt "$nofile" ]; then nofile="$hard"; fi
  mkdir -p "$(dirname "$CONTAINERS_CONF")"
  cat > "$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=20000:20000"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
[network]
network_backend = "netavark"
CONF
  echo "CONTAINERS_CONF=$CONTAINERS_CONF; $(podman --version)"
}

make_base() {
  step "local base image $base_image"
  # What the official runtime-deps image holds besides libc/libstdc++: CA certificates, OpenSSL (.NET's
  # networking stack loads libssl at start-up even for plain-HTTP loopback), time zones. The label marks this recipe.
  local recipe="minbase+ca-certificates,libssl3,tzdata"
  if podman image exists "$base_image" \
     && [ "$(podman image inspect -f '{{index .Config.Labels "customertrack.base"}}' "$base_image" 2>/dev/null)" = "$recipe" ]; then
    echo "cached"
    return
  fi
  local mirror rootfs
  mirror="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  rootfs="$(mktemp -d)"
  debootstrap --variant=minbase --include=ca-certificates,libssl3,tzdata bookworm "$rootfs" "$mirror" >"$out/debootstrap.log" 2>&1 \
    || { tail -20 "$out/debootstrap.log" >&2; rm -rf "$rootfs"; exit 1; }
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
  tar --numeric-owner -C "$rootfs" -c . | podman import -q --change "LABEL customertrack.base=$recipe" - "$base_image" >/dev/null
  rm -rf "$rootfs"
  echo "made from $mirror"
}

publish() {
  step "publish (self-contained linux-x64, trimmed) into $app"
  mkdir -p "$out"
  rm -rf "$app"
  # Own intermediate folders (ArtifactsPath): the binding generator switch below changes code generation,
  # which an incremental build sharing obj/ with ./customertrack and test.sh would not notice.
  # Trimming: TrimMode=partial trims only the framework and packages that declare themselves trimmable; the
  # app's own assemblies stay whole. Reflection stays on for System.Text.Json (owner endpoint, status --json),
  # and the configuration binder keeps its reflection path, because the binding source generator that
  # trimming turns on ignores [TypeConverter] and would silently drop every duration setting.
  # Not ReadyToRun here: self-contained, that precompiles the whole runtime too, 161 s of the publish against 65 s
  # without (2 cores, load 7-8), for services that start once; the launcher's framework-dependent CLI keeps it.
  dotnet publish src/CustomerTrack.Cli/CustomerTrack.Cli.csproj -c Release -r linux-x64 --self-contained \
    -p:UseArtifactsOutput=true -p:ArtifactsPath="$out/build" \
    -p:PublishTrimmed=true -p:TrimMode=partial -p:SuppressTrimAnalysisWarnings=true \
    -p:JsonSerializerIsReflectionEnabledByDefault=true -p:EnableConfigurationBindingGenerator=false \
    -p:DebugType=none -p:PublishReadyToRun=false \
    -o "$app" --nologo -v q
  rm -f "$app"/*.xml "$app"/*.pdb
  [ -f "$app/libduckdb.so" ] || { echo "containers.sh: libduckdb.so missing from $app" >&2; exit 1; }
  du -sh "$app" | awk '{ print "published " $1 " (libduckdb.so included)" }'

  step "s3rver (npm) into $out/s3rver"
  if [ ! -f "$out/s3rver/node_modules/s3rver/package.json" ]; then
    mkdir -p "$out/s3rver"
    npm install --prefix "$out/s3rver" --no-audit --no-fund --omit=dev --loglevel=error s3rver@3.7.1 >/dev/null
  fi
  echo "s3rver $(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$out/s3rver/node_modules/s3rver/package.json" | head -1)"
}

build_images() {
  step "images (podman build --pull=never from $base_image)"
  local t
  t="$(now)"
  podman build -q --pull=never --build-arg BASE="$base_image" -t customertrack:local -f Containerfile . >/dev/null
  podman build -q --pull=never --build-arg BASE="$base_image" -t customertrack-postgres:local \
    -f containers/postgres.Containerfile . >/dev/null
  podman build -q --pull=never --build-arg NODE_BASE="$base_image" -t customertrack-s3rver:local \
    -f containers/s3rver.Containerfile . >/dev/null
  echo "built in $(since "$t") s"
  podman image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E 'customertrack|debian-min'
}

# The base image alone (podman, then debootstrap): network and disk more than CPU, so .ci/run makes it while the tests
# run; build and test then find it made.
prepare() {
  install_tools
  mkdir -p "$out"
  write_conf
  make_base
}

build() {
  prepare
  publish
  build_images
}

size_mb() { podman image inspect "$1" --format '{{.Size}}' | awk '{ printf "%.0f MB", $1 / 1000000 }'; }

run_test() {
  local started
  started="$(now)"
  build
  step "compose test"
  # Globals: the EXIT trap runs after this function's locals are gone.
  project=customertrack-test
  export CT_WORKSPACE="${CT_WORKSPACE:-$out/ctdata-test}"
  export CT_PG_PORT="${CT_PG_PORT:-15432}" CT_S3_PORT="${CT_S3_PORT:-14569}"
  ws="$CT_WORKSPACE" cli="$app/CustomerTrack.Cli" compose=(podman-compose -p "$project" -f compose.yaml)
  rm -rf "$ws"
  mkdir -p "$ws"

  cleanup() {
    local rc=$?
    set +e
    if [ "$rc" -ne 0 ]; then
      echo "containers.sh: test failed; the last container logs:" >&2
      for s in generator pipeline postgres s3; do
        echo "--- $s" >&2
        podman logs --tail 15 "${project}_${s}_1" >&2 2>&1
      done
    fi
    "${compose[@]}" down -v -t 5 >/dev/null 2>&1
    podman network rm -f "${project}_default" >/dev/null 2>&1
    podman volume rm -f "${project}_pgdata" "${project}_s3data" >/dev/null 2>&1
    [ "${CT_KEEP:-0}" = 1 ] || rm -rf "$ws"
    exit "$rc"
  }
  trap cleanup EXIT

  # podman-compose 1.0.3 knows no profiles: `up` starts every service, the servers profile included.
  local up
  up="$(now)"
  "${compose[@]}" up -d >"$out/compose-up.log" 2>&1 || { cat "$out/compose-up.log" >&2; exit 1; }

  # The first customer as the host sees it: the host's program asks the running owner over the endpoint it
  # recorded in the shared workspace (owner.json, 127.0.0.1 in the pipeline container's network namespace).
  local pid n=0 first=""
  for _ in $(seq 1 600); do
    pid="$(podman inspect -f '{{.State.Pid}}' "${project}_pipeline_1" 2>/dev/null || echo 0)"
    if [ "${pid:-0}" -gt 0 ] && [ -f "$ws/owner.json" ]; then
      n="$(nsenter -t "$pid" -n "$cli" query --workspace "$ws" --format csv \
        "SELECT count(*) AS n FROM customer" 2>/dev/null | tail -1 || true)"
      if [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -gt 0 ]; then
        first="$(since "$up")"
        break
      fi
    fi
    sleep 0.2
  done
  [ -n "$first" ] || { echo "containers.sh: no customer visible from the host within 120 s" >&2; exit 1; }
  echo "first customers visible from the host $first s after compose up ($n customers)"

  sleep "${CT_RUN_SECONDS:-8}"

  # The server path's services started and answer (the program does not use them yet).
  podman exec "${project}_postgres_1" pg_isready -q -h 127.0.0.1 -U customertrack \
    || { echo "containers.sh: postgres does not answer" >&2; exit 1; }
  python3 - "$CT_S3_PORT" <<'PY' || { echo "containers.sh: s3rver does not answer" >&2; exit 1; }
import sys, urllib.request
body = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=5).read().decode()
assert "ListAllMyBucketsResult" in body and "customertrack" in body, body[:200]
PY
  echo "postgres and s3rver answer"

  # Stop the feed, then the pipeline (it lets go of warehouse.duckdb), and read the file from the host.
  podman stop -t 10 "${project}_generator_1" >/dev/null
  podman stop -t 10 "${project}_pipeline_1" >/dev/null
  local customers versions files landing
  q() { "$cli" query --workspace "$ws" --format csv "$1" | tail -1; }
  customers="$(q "SELECT count(*) FROM customer")"
  versions="$(q "SELECT count(*) FROM customer_history")"
  files="$(q "SELECT count(*) FROM load_history WHERE status = 'LOADED'")"
  landing="$(find "$ws/landing" -maxdepth 1 -type f -name '*.csv' 2>/dev/null | wc -l)"
  echo "host query after stop: $customers customers, $versions versions, $files files loaded, $landing left in landing/"
  [ "$customers" -gt 0 ] && [ "$versions" -ge "$customers" ] && [ "$files" -ge 2 ] \
    || { echo "containers.sh: the workspace does not hold what the feed produced" >&2; exit 1; }

  step "result"
  echo "image customertrack:local: $(size_mb customertrack:local) (base $base_image: $(size_mb "$base_image"))"
  echo "compose up -> first customer visible from the host: $first s"
  echo "containers.sh test: passed in $(since "$started") s"
}


case "${1:-}" in
  prepare) prepare ;;
  publish) publish ;;
  build) build ;;
  test) run_test ;;
  *) echo "usage: scripts/containers.sh prepare|build|test|publish" >&2; exit 2 ;;
esac
