#!/usr/bin/env bash
# Installs the Debian packages Gatehouse needs to build, run and test, if any are missing (the PostgreSQL server is
# for the tests of that backend: they start a private cluster of their own, never the system one).
set -euo pipefail
packages=(libfcgi-dev libfcgi0ldbl libfcgi-bin libssl-dev libsqlite3-dev sqlite3 libargon2-dev pkgconf
          libpq-dev libcurl4-openssl-dev postgresql libqrencode-dev nginx openssl curl wrk oathtool python3 python3-pip python3-venv tzdata
          chromium chromium-driver)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "Installing: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# nginx from Debian starts a system-wide instance; the dev stack runs its own and does not need it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then :; fi
