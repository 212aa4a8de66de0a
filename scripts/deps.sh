#!/usr/bin/env bash
# Installs the Debian packages Parley needs, only those missing. Works as root or through sudo.
set -euo pipefail

packages=(libpq-dev zlib1g-dev libopenblas-dev pkg-config postgresql postgresql-contrib python3 python3-pip)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ! command -v swift >/dev/null 2>&1; then
  echo "deps: Swift 6 is not on PATH; install it from swift.org (Parley needs Swift 6.0 or newer)." >&2
  exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "deps: missing packages (${missing[*]}) and no sudo to install them; install them as root." >&2
  exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's postgresql package creates and starts a system cluster; Parley runs its own private one instead.
echo "deps: done"
