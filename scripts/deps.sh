#!/usr/bin/env bash
# Installs the Debian packages Parley needs, only those missing. Works as root or through sudo.
set -euo pipefail

# chromium, chromium-driver and python3-venv run the browser tests (Tests/browser, with selenium from PyPI).
packages=(libpq-dev zlib1g-dev libopenblas-dev pkg-config postgresql postgresql-contrib python3 python3-pip
  python3-venv chromium chromium-driver)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ! command -v swift >/dev/null 2>&1; then
  echo "deps: Swift 6 is not on PATH; install it from swift.org (Parley needs Swift 6.0 or newer)." >&2
  exit 1
fi

# Selenium for the browser tests, pinned, in its own virtual environment (Debian's python refuses global pip
# installs, PEP 668). Only when missing.
selenium_version=4.51.0
venv="${PARLEY_BROWSER_VENV:-$HOME/.cache/parley/browser-venv}"
install_selenium() {
  "$venv/bin/python" -c "import selenium, sys; sys.exit(selenium.__version__ != '$selenium_version')" 2>/dev/null && return 0
  echo "deps: installing selenium $selenium_version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "selenium==$selenium_version"
}

if [ ${#missing[@]} -eq 0 ]; then
  install_selenium
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
install_selenium
echo "deps: done"
