#!/usr/bin/env bash
# The report tests render the demo report in headless Chromium (Debian's package).
# Install it when it is missing and we may (root with apt-get); otherwise the browser
# tests are skipped with a message that says how to install it.
set -u
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "msrwe: installing Debian's chromium for the report tests" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
    || echo "msrwe: could not install chromium; browser tests will be skipped" >&2
fi
exit 0
