#!/usr/bin/env bash
# Install Debian's chromium and a CJK font for the portal's browser tests (tests/portal).
#
# Idempotent and quick when present: installs only when /usr/bin/chromium or a CJK font is
# missing. Playwright for Python drives this browser (executable_path=/usr/bin/chromium);
# no browser is ever downloaded by `playwright install`. The font is needed so the
# screenshots the tests write show Chinese text, not empty boxes.
#
#   bash tests/servers/chromium.sh          # prints the browser's path
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
say() { echo "chromium: $*" >&2; }

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  packages+=(fonts-noto-cjk)
fi
if [ ${#packages[@]} -gt 0 ]; then
  say "installing Debian's ${packages[*]}"
  as_root apt-get update -q >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${packages[@]}" >/dev/null
fi
echo /usr/bin/chromium
