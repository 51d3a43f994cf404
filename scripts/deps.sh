#!/usr/bin/env bash
# Installs what building and testing pg_chargeback needs on Debian 12 (as root).
# Idempotent: skips apt-get when everything is already there.
set -euo pipefail
# libcpp-httplib-dev and libssl-dev: `chargeback serve` (HTTP and HTTPS); openssl and
# libio-socket-ssl-perl: test/t/009_serve.pl makes a certificate and talks HTTPS to it.
# libsimdjson-dev: the bulk ingest fast path reads usage lines without a JSON tree.
# python3 and chromium: test/t/003_statement_render.pl screenshots the statement page
# headless and counts the chart colours in the PNG.
PKGS="make g++ cmake git rsync postgresql-15 postgresql-server-dev-15 postgresql-15-cron
      nlohmann-json3-dev libgtest-dev libipc-run-perl clang libclang-rt-14-dev python3 chromium
      libpq-dev pkg-config faketime postgresql-15-plpgsql-check libcpp-httplib-dev libssl-dev
      libio-socket-ssl-perl openssl libsimdjson-dev"
# npm: test/t/008_otel.pl and 009_serve.pl install their clients with it (test/otel and
# test/serve package-lock.json: the OpenTelemetry JS SDK and instrumentations, the openai and
# Anthropic SDKs, Portkey's gateway and Node 22 as a package); any npm
# does, so Debian's is installed only when there is none (NodeSource's nodejs brings its own).
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "== installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
