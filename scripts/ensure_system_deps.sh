#!/usr/bin/env bash
# System packages some tests need, from Debian's archive: headless Chromium (report and web-app
# browser tests), PostgreSQL (the OMOP import tests against a real server) and a Java runtime
# (PySpark in local mode). Installed in one apt-get call when missing and we may (root with
# apt-get); otherwise the tests that need them skip with a message that says how to install them.
set -u
need=()
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
if [[ ${#need[@]} -eq 0 ]]; then
  exit 0
fi
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "msrwe: installing Debian packages for the tests: ${need[*]} (once, about a minute)" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}") \
    >/dev/null 2>&1 || echo "msrwe: could not install ${need[*]}; the tests that need them will be skipped" >&2
else
  echo "msrwe: missing ${need[*]} (not root, so not installed); the tests that need them will be skipped" >&2
fi
exit 0
