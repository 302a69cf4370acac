#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (Playwright drives it via executable_path),
# with the CJK and emoji fonts the pages use (listing icons are emoji), so screenshots show
# what a person's browser shows, and poppler (pdftoppm, with its CJK encoding data) that rasterises
# the printed labels for the barcode read-back tests. Idempotent: does nothing when all of it is there.
set -euo pipefail
PACKAGES=(chromium fonts-noto-cjk fonts-noto-color-emoji poppler-utils poppler-data)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ -x /usr/bin/chromium ] && [ ${#missing[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]:-chromium}" >/dev/null
/usr/bin/chromium --version
