# shellcheck shell=bash
# Shared helpers for scripts/run, scripts/dev and scripts/test: numbered progress steps, Debian
# package installation (only what is missing), npm installs (only when stale), ccache settings.
# Sourced, never executed; callers use `set -euo pipefail`.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

export NEXT_TELEMETRY_DISABLED=1
export DEBIAN_FRONTEND=noninteractive

# ccache lives outside the checkout so every clone on this machine (CI clones afresh each run)
# shares it; CCACHE_BASEDIR makes paths relative so another clone's objects are reused (the
# rest is in CMakeLists.txt: no absolute path in a definition, the precompiled header named by
# <...>, -fdebug-prefix-map for the directory in the debug info). The project uses precompiled
# headers, which ccache only caches with pch_defines,time_macros; a fresh clone's files are
# all "new", which the include_file_* entries allow. Depend mode hashes the headers the
# compiler reports (-MD) instead of running the preprocessor first on every miss: a cold cache
# costs little more than no cache.
export CCACHE_DIR="${CCACHE_DIR:-${HOME:-/root}/.cache/marketsim-ccache}"
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
export CCACHE_BASEDIR="$REPO_ROOT"
export CCACHE_DEPEND=1
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"

# shellcheck disable=SC2034  # the colour variables are used by the scripts that source this
if [[ -t 1 ]]; then
  _c_bold=$'\e[1m' _c_red=$'\e[31m' _c_green=$'\e[32m' _c_yellow=$'\e[33m' _c_off=$'\e[0m'
else
  _c_bold='' _c_red='' _c_green='' _c_yellow='' _c_off=''
fi

STEP_INDEX=0
STEP_TOTAL=0

# steps_begin TOTAL: sets the denominator of the numbered steps.
steps_begin() {
  STEP_TOTAL="$1"
  STEP_INDEX=0
}

# step "Building backend...": prints "[3/7] Building backend..." with a timestamp.
step() {
  STEP_INDEX=$((STEP_INDEX + 1))
  printf '%s[%d/%d] %s%s  (%s)\n' "$_c_bold" "$STEP_INDEX" "$STEP_TOTAL" "$*" "$_c_off" "$(date +%H:%M:%S)"
}

info() { printf '      %s\n' "$*"; }
warn() { printf '%swarning:%s %s\n' "$_c_yellow" "$_c_off" "$*" >&2; }
die() {
  printf '%serror:%s %s\n' "$_c_red" "$_c_off" "$*" >&2
  exit 1
}
ok() { printf '%s%s%s\n' "$_c_green" "$*" "$_c_off"; }

# as_root CMD...: runs CMD as root, through sudo when the caller is not root.
as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root for: $* (run as root or install sudo)"
  fi
}

# Package sets. Build and run: always (clang 16 and its sanitizer runtimes: the compiler, see
# cmake_build). Tests: chromium for the e2e suite, nginx in front of the
# cluster tests, llvm-16 for its llvm-symbolizer (clang's sanitizer reports name their frames
# with it, and the leak suppressions match those names). Benchmarks: wrk, nginx. A local
# cluster (scripts/cluster): nginx.
DEBIAN_BUILD_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libpqxx-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libsodium-dev
  libssl-dev libgtest-dev postgresql-15 postgresql-client-15 openssl ca-certificates
  john-data clang-16 libclang-rt-16-dev
)
# prometheus: the metrics test scrapes a server with the real consumer (its postinst may
# start a service where an init system runs; the test uses its own on a free port).
DEBIAN_TEST_PACKAGES=(chromium nginx-light llvm-16 prometheus)
DEBIAN_BENCH_PACKAGES=(wrk nginx-light libnginx-mod-nchan librestinio-dev linux-perf)
DEBIAN_CLUSTER_PACKAGES=(nginx-light)
# Fuzzing (scripts/fuzz): libFuzzer.
DEBIAN_FUZZ_PACKAGES=(clang-16 libfuzzer-16-dev libclang-rt-16-dev)

_pkg_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

_node_ok() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || return 1
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" || return 1
  [[ "$major" =~ ^[0-9]+$ ]] && ((major >= 20))
}

# ensure_debian_packages [build] [test] [bench] [cluster] [fuzz]: installs whichever packages of those sets are
# missing. apt-get update runs only when something is missing. Idempotent and quiet when done.
ensure_debian_packages() {
  local -a wanted=() missing=()
  local set pkg
  for set in "$@"; do
    case "$set" in
      build) wanted+=("${DEBIAN_BUILD_PACKAGES[@]}") ;;
      test) wanted+=("${DEBIAN_TEST_PACKAGES[@]}") ;;
      bench) wanted+=("${DEBIAN_BENCH_PACKAGES[@]}") ;;
      cluster) wanted+=("${DEBIAN_CLUSTER_PACKAGES[@]}") ;;
      fuzz) wanted+=("${DEBIAN_FUZZ_PACKAGES[@]}") ;;
      *) die "ensure_debian_packages: unknown set '$set'" ;;
    esac
  done
  for pkg in "${wanted[@]}"; do
    _pkg_installed "$pkg" || missing+=("$pkg")
  done
  if ! _node_ok; then
    missing+=(nodejs)
    # Debian's own nodejs ships npm separately; NodeSource's includes it and conflicts with it.
    if apt-cache show npm >/dev/null 2>&1 && ! apt-cache policy nodejs 2>/dev/null | grep -q nodesource; then
      missing+=(npm)
    fi
  fi
  if ((${#missing[@]} == 0)); then
    info "all Debian packages present"
  else
    info "installing: ${missing[*]}"
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  _node_ok || die "Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))"
}

# npm_install_if_stale DIR: `npm ci` when DIR/node_modules is missing or older than the lock file.
# Returns 2 (and does nothing) when DIR has no package.json.
npm_install_if_stale() {
  local dir="$1"
  if [[ ! -f "$dir/package.json" ]]; then
    warn "$dir/package.json not found: skipping npm install there"
    return 2
  fi
  local marker="$dir/node_modules/.package-lock.json"
  if [[ -f "$dir/package-lock.json" ]]; then
    if [[ -f "$marker" && ! "$dir/package-lock.json" -nt "$marker" && ! "$dir/package.json" -nt "$marker" ]]; then
      info "${dir#"$REPO_ROOT"/}: node_modules up to date"
      return 0
    fi
    info "${dir#"$REPO_ROOT"/}: npm ci"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    # npm ci keeps the lock's mtime; make the marker newer so the next run skips it.
    touch "$marker"
  else
    if [[ -f "$marker" && ! "$dir/package.json" -nt "$marker" ]]; then
      info "${dir#"$REPO_ROOT"/}: node_modules up to date"
      return 0
    fi
    warn "${dir#"$REPO_ROOT"/} has no package-lock.json: npm install without writing one"
    (cd "$dir" && npm install --no-audit --no-fund --no-package-lock --loglevel=error)
    mkdir -p "$dir/node_modules" && touch "$marker"
  fi
}

# The C++ compiler: clang 16 by default. It compiles this code base in less CPU time than GCC 12
# (figures in the README); MARKETSIM_CXX=g++ builds with GCC, which works as well.
MARKETSIM_CXX="${MARKETSIM_CXX:-clang++-16}"

# cmake_build DIR BUILD_TYPE [extra cmake args...]: configure (once) and build with Ninja.
# A directory configured with another compiler (MARKETSIM_CXX) is configured afresh.
cmake_build() {
  local dir="$1" type="$2" cxx
  shift 2
  cxx="$(command -v "$MARKETSIM_CXX")" || die "compiler not found: $MARKETSIM_CXX (MARKETSIM_CXX)"
  local -a args=(-S "$REPO_ROOT" -B "$dir" -G Ninja "-DCMAKE_BUILD_TYPE=$type"
    "-DCMAKE_CXX_COMPILER=$cxx" "$@")
  mkdir -p "$CCACHE_DIR" "$dir"
  if [[ -f "$dir/CMakeCache.txt" ]] && ! grep -q "^CMAKE_CXX_COMPILER:[A-Z]*=$cxx\$" "$dir/CMakeCache.txt"; then
    rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles" "$dir/build.ninja"
  fi
  if [[ ! -f "$dir/build.ninja" ]] || ! grep -q "^CMAKE_BUILD_TYPE:STRING=$type\$" "$dir/CMakeCache.txt" 2>/dev/null; then
    cmake "${args[@]}" >"$dir/configure.log" 2>&1 || {
      cat "$dir/configure.log" >&2
      return 1
    }
  elif (($#)); then
    # Re-assert cache options given by the caller (cheap when unchanged).
    cmake "${args[@]}" >"$dir/configure.log" 2>&1 || {
      cat "$dir/configure.log" >&2
      return 1
    }
  fi
  cmake --build "$dir"
}

# dotenv_has KEY: true when the repo's .env file sets KEY. The server reads .env itself and
# refuses a key set in both places, so the scripts never export a key that .env sets.
dotenv_has() {
  [[ -f "$REPO_ROOT/.env" ]] && grep -Eq "^[[:space:]]*(export[[:space:]]+)?$1[[:space:]]*=" "$REPO_ROOT/.env"
}

# env_default KEY VALUE: exports KEY=VALUE unless the environment or .env already sets KEY.
env_default() {
  if [[ -n "${!1+x}" ]] || dotenv_has "$1"; then
    return 0
  fi
  export "$1=$2"
}

# env_value KEY DEFAULT: KEY's effective value (environment, then .env, then DEFAULT).
env_value() {
  if [[ -n "${!1+x}" ]]; then
    printf '%s' "${!1}"
  elif dotenv_has "$1"; then
    sed -nE "s/^[[:space:]]*(export[[:space:]]+)?$1[[:space:]]*=[[:space:]]*//p" "$REPO_ROOT/.env" |
      tail -n1 | sed -E 's/^"(.*)"$/\1/; s/^'"'"'(.*)'"'"'$/\1/'
  else
    printf '%s' "$2"
  fi
}

# wait_for_file FILE PID SECONDS: waits until FILE is non-empty; fails if PID dies or on timeout.
wait_for_file() {
  local file="$1" pid="$2" deadline=$((SECONDS + $3))
  while [[ ! -s "$file" ]]; do
    kill -0 "$pid" 2>/dev/null || return 1
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# local_session_secret: prints the secret in .data/session_secret, made on first use (0600).
local_session_secret() {
  local file="$REPO_ROOT/.data/session_secret"
  if [[ ! -s "$file" ]]; then
    mkdir -p "$REPO_ROOT/.data"
    (umask 077 && openssl rand -hex 32 >"$file")
  fi
  cat "$file"
}
