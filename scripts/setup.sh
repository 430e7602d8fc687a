#!/usr/bin/env bash
# Set-up for a fresh Debian 12 machine without a GPU, run as root: installs
# what WebGPU needs here (Chromium, whose SwiftShader is the CPU Vulkan driver
# Dawn and headless Chromium run on, and the Vulkan loader) and the npm
# dependencies from the lockfile. Safe to run again: it skips what is there.
set -euo pipefail

log() { printf '\n==> %s\n' "$*"; }
die() { printf '\nerror: %s\n' "$*" >&2; exit 1; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DEBIAN_FRONTEND=noninteractive
# onnxruntime-node (a benchmark peer, in bench/package.json, which this script does
# not install) ships its CPU binaries; never let it download others.
export ONNXRUNTIME_NODE_INSTALL=skip
export CI="${CI:-true}"

have_vulkan_loader() {
  local ldconfig
  ldconfig="$(command -v ldconfig || echo /sbin/ldconfig)"
  # grep without -q reads everything, so ldconfig never dies of SIGPIPE under pipefail.
  "$ldconfig" -p 2>/dev/null | grep 'libvulkan\.so\.1 ' >/dev/null
}

missing=()
if [[ ! -x /usr/bin/chromium || ! -f /usr/lib/chromium/vk_swiftshader_icd.json ]]; then
  missing+=(chromium)
fi
if ! have_vulkan_loader; then
  missing+=(libvulkan1)
fi

if ((${#missing[@]} > 0)); then
  log "installing Debian packages: ${missing[*]}"
  [[ "$(id -u)" == 0 ]] || die "installing ${missing[*]} needs root (apt-get install ${missing[*]})"
  apt-get update
  apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold "${missing[@]}"
else
  log "Debian packages present: chromium (with SwiftShader), libvulkan1"
fi

log "checking Node.js"
# The minimum is the one package.json declares (engines.node, ">=X.Y").
min_node="$(sed -n 's/^ *"node": *">= *\([0-9][0-9.]*\)".*/\1/p' package.json | head -n 1)"
[[ -n "$min_node" ]] || die "cannot read engines.node (>=X.Y) from package.json"
command -v node >/dev/null || die "node is not installed; this project needs Node.js >= $min_node"
command -v npm >/dev/null || die "npm is not installed"
MIN_NODE="$min_node" node -e '
  const need = process.env.MIN_NODE.split(".").map(Number);
  const have = process.versions.node.split(".").map(Number);
  const cmp = need.map((n, i) => (have[i] ?? 0) - n).find((d) => d !== 0) ?? 0;
  if (cmp < 0) {
    console.error(`Node.js ${process.versions.node} is too old; this project needs >= ${process.env.MIN_NODE}`);
    process.exit(1);
  }
'
echo "node $(node --version), npm $(npm --version)"
/usr/bin/chromium --version || true

if [[ -f node_modules/.package-lock.json && node_modules/.package-lock.json -nt package-lock.json ]]; then
  log "npm dependencies up to date"
else
  log "npm ci"
  npm ci --no-audit --no-fund
fi
