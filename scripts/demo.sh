#!/usr/bin/env bash
# The main job: on a fresh Debian 12 machine (as root) install what is needed,
# build and install pg_chargeback, start a throwaway cluster in a local folder as the
# postgres user, create the extension, price sample requests from the built-in catalog,
# ingest usage through the bulk inbox with ownership rules, explain a cost, and show a
# budget cap denying a request. KEEP=1 leaves the cluster running (it prints how to connect).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/lib/postgresql/15/bin:$PATH
bash scripts/deps.sh
echo "== build and install"
make -s -j2 >/dev/null
make -s install >/dev/null

dir=${DEMO_DIR:-/tmp/pg_chargeback_demo}
port=${DEMO_PORT:-5477}
runuser -u postgres -- pg_ctl -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
rm -rf "$dir" && mkdir -p "$dir" && chown postgres "$dir"
echo "== throwaway cluster in $dir (port $port)"
runuser -u postgres -- initdb -D "$dir/data" -A trust --no-locale >/dev/null
printf "unix_socket_directories = '%s'\nlisten_addresses = ''\nport = %s\ntimezone = 'UTC'\n" "$dir" "$port" >> "$dir/data/postgresql.conf"
runuser -u postgres -- pg_ctl -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
if [ "${KEEP:-0}" != 1 ]; then
    trap 'runuser -u postgres -- pg_ctl -D "$dir/data" -m fast stop >/dev/null; rm -rf "$dir"' EXIT
fi
psql -X -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -f scripts/demo.sql
[ "${KEEP:-0}" = 1 ] && echo "== cluster kept: psql -h $dir -p $port -U postgres" || true
