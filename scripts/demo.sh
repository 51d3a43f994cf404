#!/usr/bin/env bash
# The main job: on a fresh Debian 12 machine (as root) install what is needed, build and
# install pg_chargeback and its command-line tool `chargeback`, start a throwaway cluster in a
# local folder as the postgres user, and run `chargeback demo` on it: an organisation of 1000
# people with ownership rules and budgets, a month of generated usage from OpenAI, Anthropic,
# Google and Bedrock (200,000 requests and a few bad lines) streamed in through COPY, budget
# alerts, invoices, chargeback runs in three models, the showback report, and an HTML
# statement per org unit. About a minute after the build.
#   DEMO_REQUESTS   requests in the demo month (default 200000)
#   DEMO_OUT        where the HTML statements go (default /tmp/pg_chargeback_statements)
#   KEEP=1          leave the cluster running (it prints how to connect)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=${PG_BIN:-/usr/lib/postgresql/15/bin}:$PATH
bash scripts/deps.sh
echo "== build and install the extension and the chargeback CLI"
make -s -j2 >/dev/null
make -s install >/dev/null
bash scripts/cli.sh

dir=${DEMO_DIR:-/tmp/pg_chargeback_demo}
port=${DEMO_PORT:-5477}
out=${DEMO_OUT:-/tmp/pg_chargeback_statements}
runuser -u postgres -- pg_ctl -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
rm -rf "$dir" "$out" && mkdir -p "$dir" && chown postgres "$dir"
echo "== throwaway cluster in $dir (port $port)"
runuser -u postgres -- initdb -D "$dir/data" -A trust --no-locale >/dev/null
printf "unix_socket_directories = '%s'\nlisten_addresses = ''\nport = %s\ntimezone = 'UTC'\n" "$dir" "$port" >> "$dir/data/postgresql.conf"
runuser -u postgres -- pg_ctl -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
if [ "${KEEP:-0}" != 1 ]; then
    trap 'runuser -u postgres -- pg_ctl -D "$dir/data" -m fast stop >/dev/null; rm -rf "$dir"' EXIT
fi
echo "== chargeback demo"
chargeback -d "host=$dir port=$port user=postgres dbname=postgres" demo \
    --requests "${DEMO_REQUESTS:-200000}" --out "$out"
if [ "${KEEP:-0}" = 1 ]; then
    echo "== cluster kept: psql -h $dir -p $port -U postgres; chargeback -d \"host=$dir port=$port user=postgres\" report --period ..."
fi
