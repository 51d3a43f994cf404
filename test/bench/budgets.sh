#!/usr/bin/env bash
# Budget benchmarks (run by test/bench/run.sh, which provides $PSQL and $BENCH_DIR):
#  1. bulk ingest of N envelopes with 60 active budgets against the same ingest with none;
#  2. authorize() + settlement under pgbench, 8 clients, distinct budgets and one shared
#     budget, against a plain INSERT of the same rows.
set -euo pipefail
N=${BENCH_ROWS:-50000}
lines="$BENCH_DIR/budget_lines.jsonl"
$PSQL -q <<SQL
INSERT INTO chargeback.org_unit (code, name) SELECT 'bdept' || d, 'Department ' || d FROM generate_series(1, 40) d;
DO \$\$ BEGIN PERFORM chargeback.ensure_partitions(date_trunc('month', now())::date, date_trunc('month', now())::date); END \$\$;
COPY (SELECT jsonb_build_object('provider', 'openai', 'model', 'gpt-4o-mini-2024-07-18', 'request_id', 'b-' || i,
             'occurred_at', to_char(now() - (i % 3600) * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
             'attrs', jsonb_build_object('department', 'bdept' || (1 + i % 40), 'user', 'u' || (i % 500) || '@corp.test',
                                         'project', 'p' || (i % 20)),
             'response', jsonb_build_object('id', 'chatcmpl-b' || i, 'object', 'chat.completion', 'model', 'gpt-4o-mini-2024-07-18',
                 'usage', jsonb_build_object('prompt_tokens', 1000 + i % 500, 'completion_tokens', 200,
                                             'prompt_tokens_details', jsonb_build_object('cached_tokens', 256))))::text
      FROM generate_series(1, $N) i) TO '$lines';
CREATE FUNCTION pg_temp.load_once() RETURNS interval LANGUAGE plpgsql AS \$f\$
DECLARE t0 timestamptz;
BEGIN
    TRUNCATE chargeback.usage, chargeback.usage_request, chargeback.budget_spend, chargeback.budget_event;
    t0 := clock_timestamp();
    COPY chargeback.usage_inbox (payload) FROM '$lines';
    RETURN clock_timestamp() - t0;
END \$f\$;
DO \$\$
DECLARE none_t interval := '1 hour'; with_t interval := '1 hour'; spent numeric;
BEGIN
    FOR r IN 1..3 LOOP none_t := least(none_t, pg_temp.load_once()); END LOOP;
    -- 60 budgets: one per department, 10 projects, 5 principals, the provider, the model, global, ...
    INSERT INTO chargeback.budget (name, scope, scope_value, amount, enforcement)
    SELECT 'dept ' || d, 'org_unit', 'bdept' || d, 1000, CASE WHEN d % 2 = 0 THEN 'block' ELSE 'alert' END FROM generate_series(1, 40) d;
    INSERT INTO chargeback.budget (name, scope, scope_value, amount) SELECT 'project ' || p, 'project', 'p' || p, 500 FROM generate_series(1, 10) p;
    INSERT INTO chargeback.budget (name, scope, scope_value, amount, period) SELECT 'user ' || u, 'principal', 'u' || u || '@corp.test', 50, 'day' FROM generate_series(1, 6) u;
    INSERT INTO chargeback.budget (name, scope, scope_value, amount) VALUES ('openai', 'provider', 'openai', 10000), ('mini', 'model', 'gpt-4o-mini', 10000);
    INSERT INTO chargeback.budget (name, scope, amount) VALUES ('company', 'global', 100000), ('company weekly', 'global', 30000);
    FOR r IN 1..3 LOOP with_t := least(with_t, pg_temp.load_once()); END LOOP;
    SELECT spend INTO spent FROM chargeback.budget_status WHERE name = 'company';
    IF spent <> (SELECT sum(cost) FROM chargeback.usage) THEN
        RAISE EXCEPTION 'budget spend % does not match usage %', spent, (SELECT sum(cost) FROM chargeback.usage);
    END IF;
    RAISE NOTICE 'bulk ingest of % rows: no budgets % ms, 60 budgets % ms: %x (target <= 1.10); company budget spend % = sum of usage',
        $N, round(extract(epoch FROM none_t) * 1000), round(extract(epoch FROM with_t) * 1000),
        round((extract(epoch FROM with_t) / extract(epoch FROM none_t))::numeric, 2), spent;
END \$\$;
-- For pgbench: budgets large enough not to deny, the plain baseline table.
UPDATE chargeback.budget SET amount = 1e9;
CREATE TABLE bench_plain (reservation_id bigint, department text, request_id text, cost numeric, at timestamptz DEFAULT now());
SQL

cat > "$BENCH_DIR/authorize_distinct.sql" <<'SQL'
\set d random(1, 40)
\set r random(1, 1000000000)
SELECT reservation_id AS rid FROM chargeback.authorize(jsonb_build_object('department', 'bdept' || :d, 'request_id', 'pb-' || :client_id || '-' || :r), 'openai', 'gpt-4o-mini', 'input=1000 output=200') \gset
SELECT chargeback.ingest(jsonb_build_object('provider', 'openai', 'model', 'gpt-4o-mini', 'request_id', 'pb-' || :client_id || '-' || :r, 'tokens', jsonb_build_object('input', 1000, 'output', 200), 'attrs', jsonb_build_object('department', 'bdept' || :d)));
SQL
sed 's/random(1, 40)/random(1, 1)/' "$BENCH_DIR/authorize_distinct.sql" > "$BENCH_DIR/authorize_shared.sql"
cat > "$BENCH_DIR/plain.sql" <<'SQL'
\set d random(1, 40)
\set r random(1, 1000000000)
INSERT INTO bench_plain (reservation_id, department, request_id, cost) VALUES (:r, 'bdept' || :d, 'pb-' || :r, 0.00024);
INSERT INTO bench_plain (reservation_id, department, request_id, cost) VALUES (:r, 'bdept' || :d, 'pb-' || :r, 0.00024);
SQL
tps() { pgbench $PGBENCH_CONN -n -c 8 -j 2 -T "${PGBENCH_SECONDS:-10}" -f "$1" 2>&1 | awk '/^tps/ {printf "%d", $3}'; }
plain=$(tps "$BENCH_DIR/plain.sql")
distinct=$(tps "$BENCH_DIR/authorize_distinct.sql")
shared=$(tps "$BENCH_DIR/authorize_shared.sql")
echo "pgbench, 8 clients, ${PGBENCH_SECONDS:-10} s: plain INSERT pair $plain tps; authorize + settle, distinct budgets $distinct tps ($(echo "scale=2; $distinct / $plain" | bc)x of plain); one shared budget $shared tps ($(echo "scale=2; $shared / $plain" | bc)x)"
$PSQL -At -c "SELECT 'holds left open: ' || count(*) FILTER (WHERE settled_at IS NULL) || ' of ' || count(*) FROM chargeback.reservation"
