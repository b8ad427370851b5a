#!/usr/bin/env bash
# Installs, through apt-get, every Debian 12 package that snsim's build, tests, waveforms and
# plots need. Only missing packages are installed; when all are present it prints nothing.
# Exit status: 0 when everything is present afterwards, 1 with a message saying what failed.
set -euo pipefail

packages=(
  build-essential g++ cmake make pkg-config git time
  verilator yosys gtkwave zlib1g-dev
  libsystemc-dev libfmt-dev nlohmann-json3-dev libcli11-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev libjemalloc-dev
  python3 python3-numpy python3-matplotlib python3-yaml
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "install-deps: need root (or sudo) to apt-get install: ${missing[*]}" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: apt-get not found; snsim expects Debian 12. Install by hand: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get update -qq >/dev/null; then
  echo "install-deps: 'apt-get update' failed (no network or no package mirror?)" >&2
  exit 1
fi
if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  echo "install-deps: 'apt-get install ${missing[*]}' failed; run it by hand to see why" >&2
  exit 1
fi
echo "install-deps: done" >&2
