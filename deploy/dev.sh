#!/usr/bin/env bash
# printgate developer entry point. Every verb is idempotent on a fresh Debian 12 /
# Raspberry Pi OS bookworm machine: it installs what is missing, builds, then acts.
#
#   deploy/dev.sh demo          install, build (release) and run the demo
#   deploy/dev.sh test          install, build (asan+ubsan, -Werror) and run every test
#   deploy/dev.sh bench NAME    install, build (release) and run tests/bench/NAME
#   deploy/dev.sh build [PRESET]
#   deploy/dev.sh deps          only install the Debian packages
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Debian packages the build and the tests need. Keep in sync with CMakeLists.txt.
packages=(
  build-essential cmake ninja-build pkgconf ccache git curl
  libboost1.81-dev libserialport-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libcli11-dev libgtest-dev libgmock-dev
  libssl-dev libsodium-dev libargon2-dev libsqlite3-dev libzxcvbn-dev libqrencode-dev
  libtomlplusplus-dev libmosquitto-dev libturbojpeg0-dev
  # Test peers nobody here wrote: a yamux implementation (Go), an MQTT broker, an
  # MJPEG-over-HTTP camera (ffmpeg), a browser.
  golang-go golang-github-hashicorp-yamux-dev mosquitto ffmpeg chromium
)
# Only the benches need these: the set-ups people use today, measured beside printgate.
bench_packages=(openssh-server openssh-client nginx-light wrk)

# Node.js with npm, for the browser tests' playwright-core: Debian's packages, unless a Node.js
# with npm is already installed (NodeSource's nodejs bundles npm and conflicts with Debian's npm).
node_deps() {
  if command -v node > /dev/null && command -v npm > /dev/null; then return; fi
  deps nodejs npm
}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

deps() {
  local missing=()
  for p in "${packages[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "all Debian packages present"
    return
  fi
  log "installing: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

jobs() { nproc 2>/dev/null || echo 2; }

build() {
  local preset=${1:-release}
  log "configuring and building preset '$preset'"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$(jobs)"
}

cmd_test() {
  deps
  build asan
  node_deps
  npm ci --prefix tests/e2e --no-audit --no-fund  # playwright-core for the browser tests, from the lock file
  log "running tests (unit, integration, e2e)"
  # Benches are excluded by label; tests never depend on timing.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build/asan --output-on-failure -j "$(jobs)" --timeout 600 -LE bench "$@"
}

cmd_bench() {
  local name=${1:?usage: deploy/dev.sh bench NAME}
  shift
  deps "${bench_packages[@]}"
  build release
  local bin="build/release/tests/bench/${name}/bench_${name}"
  [ -x "$bin" ] || { echo "no bench named '$name' (see tests/bench/)" >&2; exit 2; }
  log "running bench $name"
  "$bin" "$@"
}

cmd_demo() {
  deps
  build release
  exec deploy/demo.sh build/release "$@"
}

verb=${1:-}
shift || true
case "$verb" in
  deps) deps ;;
  build) deps; build "${1:-release}" ;;
  test) cmd_test "$@" ;;
  bench) cmd_bench "$@" ;;
  demo) cmd_demo "$@" ;;
  *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
