#!/usr/bin/env bash
# Bulk ingestion benchmark (run by test/bench/run.sh, which provides $PSQL and $BENCH_DIR).
# N realistic gateway envelopes (OpenAI chat completions with cached and reasoning tokens,
# 1000 users in 40 departments, several models with dated names) are loaded three ways in
# one session, best of 3 each:
#   floor : COPY of the same lines into a plain jsonb table
#   ext   : COPY into chargeback.usage_inbox (parse, price, attribute, dedupe, insert)
#   sql   : the same work as a set-based SQL implementation (COPY into staging + INSERT ... SELECT)
#   lean  : the least SQL that prices and owns the lines: COPY into staging, then one INSERT
#           ... SELECT with jsonb operators, one join for the price (the dated name cut to
#           the catalog's), one for the membership, ON CONFLICT DO NOTHING into one
#           unpartitioned table (no rules, no explicit owners, no rollup, no budgets)
# Then what PostgreSQL alone needs for the unavoidable part of that work, and the backend's
# peak private memory while ingesting N and 10*N lines (sampled from /proc).
set -euo pipefail
N=${BENCH_ROWS:-100000}
lines="$BENCH_DIR/envelopes.jsonl"
big="$BENCH_DIR/envelopes_big.jsonl"

$PSQL -q <<SQL
-- The organisation: 40 departments, 1000 users, a few app rules.
INSERT INTO chargeback.org_unit (code, name) SELECT 'dept' || d, 'Department ' || d FROM generate_series(1, 40) d;
INSERT INTO chargeback.membership (principal, org_unit_id, valid_from)
SELECT 'user' || u || '@corp.test', (SELECT org_unit_id FROM chargeback.org_unit WHERE code = 'dept' || (1 + u % 40)), '2025-01-01'
FROM generate_series(1, 1000) u;
INSERT INTO chargeback.ownership_rule (priority, match, org_unit_id, project)
SELECT 100, jsonb_build_object('app', 'app' || a), (SELECT org_unit_id FROM chargeback.org_unit WHERE code = 'dept' || a), 'project' || a
FROM generate_series(1, 5) a;
DO \$\$ BEGIN PERFORM chargeback.ensure_partitions('2026-03-01', '2026-03-01'); END \$\$;

CREATE FUNCTION pg_temp.envelope(i bigint, salt text) RETURNS text LANGUAGE sql AS \$\$
    SELECT jsonb_build_object(
        'provider', 'openai',
        'occurred_at', to_char(timestamptz '2026-03-01 00:00:00+00' + (i % 2592000) * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'request_id', 'req-' || salt || i,
        'attrs', jsonb_strip_nulls(jsonb_build_object('user', 'user' || (1 + i % 1000) || '@corp.test',
                                                      'app', CASE WHEN i % 7 = 0 THEN 'app' || (1 + i % 5) END,
                                                      'api_key', 'key_' || (i % 50))),
        'response', jsonb_build_object(
            'id', 'chatcmpl-' || salt || md5(i::text),
            'object', 'chat.completion',
            'created', 1772323200 + i % 2592000,
            'model', (ARRAY['gpt-4o-2024-08-06', 'gpt-4o-mini-2024-07-18', 'o4-mini-2025-04-16', 'gpt-4.1-2025-04-14', 'gpt-5-mini-2025-08-07'])[1 + i % 5],
            'choices', jsonb_build_array(jsonb_build_object('index', 0, 'finish_reason', 'stop',
                'message', jsonb_build_object('role', 'assistant', 'content', 'Here is the summary you asked for.', 'refusal', null))),
            'usage', jsonb_build_object(
                'prompt_tokens', 800 + i % 3000, 'completion_tokens', 120 + i % 900, 'total_tokens', 920 + i % 3000 + i % 900,
                'prompt_tokens_details', jsonb_build_object('cached_tokens', (i % 4) * 128, 'audio_tokens', 0),
                'completion_tokens_details', jsonb_build_object('reasoning_tokens', CASE WHEN i % 5 = 2 THEN i % 100 ELSE 0 END,
                    'audio_tokens', 0, 'accepted_prediction_tokens', 0, 'rejected_prediction_tokens', 0)),
            'service_tier', 'default',
            'system_fingerprint', 'fp_' || substr(md5((i % 13)::text), 1, 10)))::text
\$\$;
COPY (SELECT pg_temp.envelope(i, 'a') FROM generate_series(1, $N) i) TO '$lines';
COPY (SELECT pg_temp.envelope(i, 'b') FROM generate_series(1, 10 * $N) i) TO '$big';

CREATE TABLE bench_floor (payload jsonb);
CREATE TABLE bench_staging (payload jsonb);
-- The SQL implementation's tables: the same price catalog and a usage table with the same indexes.
CREATE TABLE bench_sql_usage (LIKE chargeback.usage INCLUDING DEFAULTS);
ALTER TABLE bench_sql_usage ADD PRIMARY KEY (usage_id);
CREATE UNIQUE INDEX ON bench_sql_usage (provider, request_id);
CREATE INDEX ON bench_sql_usage (occurred_at);
CREATE INDEX ON bench_sql_usage (period, org_unit_id);
-- The lean pipeline's one table: a key and the idempotency index.
CREATE TABLE bench_lean_usage (usage_id bigint PRIMARY KEY, occurred_at timestamptz NOT NULL, request_id text NOT NULL,
    provider text NOT NULL, model text NOT NULL, principal text, org_unit_id integer NOT NULL, attrs jsonb NOT NULL,
    tokens chargeback.token_usage NOT NULL, cost numeric, price_id bigint, UNIQUE (provider, request_id));
SQL

avg_line=$(( $(stat -c %s "$lines") / N ))
echo "$N envelopes, $avg_line bytes a line on average"

$PSQL -q <<SQL
CREATE FUNCTION pg_temp.sql_ingest() RETURNS void LANGUAGE sql AS \$\$
WITH parsed AS MATERIALIZED (
    SELECT e->>'provider' AS provider, (e->>'occurred_at')::timestamptz AS occurred_at, e->>'request_id' AS request_id,
           r->>'model' AS model, e->'attrs' AS attrs,
           (r->'usage'->>'prompt_tokens')::bigint AS pt,
           coalesce((r->'usage'->'prompt_tokens_details'->>'cached_tokens')::bigint, 0) AS cached,
           (r->'usage'->>'completion_tokens')::bigint AS ct,
           coalesce((r->'usage'->'completion_tokens_details'->>'reasoning_tokens')::bigint, 0) AS reasoning
    FROM bench_staging, LATERAL (SELECT payload AS e, payload->'response' AS r) x
), models AS (
    -- Resolve each distinct reported name once: exact, else longest catalog model + date suffix.
    SELECT m.model, (SELECT p.model FROM chargeback.price p
                     WHERE p.provider = 'openai' AND p.service_tier = 'standard' AND p.min_prompt_tokens = 0
                       AND (m.model = p.model OR (m.model LIKE p.model || '-%'
                            AND substr(m.model, length(p.model) + 2) ~ '^[0-9]+(-[0-9]+)*$'))
                     ORDER BY length(p.model) DESC LIMIT 1) AS catalog_model
    FROM (SELECT DISTINCT model FROM parsed) m
), priced AS (
    SELECT x.*, p.price_id, p.rates,
           chargeback.rate(p.rates, 'input') AS r_in, chargeback.rate(p.rates, 'cache_read') AS r_cr,
           chargeback.rate(p.rates, 'output') AS r_out, chargeback.rate(p.rates, 'reasoning') AS r_rs
    FROM parsed x JOIN models m USING (model)
    LEFT JOIN chargeback.price p ON p.provider = 'openai' AND p.model = m.catalog_model AND p.service_tier = 'standard'
         AND p.min_prompt_tokens = 0 AND p.valid_from <= x.occurred_at AND (p.valid_to IS NULL OR p.valid_to > x.occurred_at)
)
INSERT INTO bench_sql_usage (usage_id, occurred_at, request_id, provider, model, service_tier, principal, org_unit_id,
                             project, attrs, tokens, list_cost, cost, currency, period, status, source, price_id, owner_reason, owner_rule_id)
SELECT nextval('chargeback.usage_usage_id_seq'), q.occurred_at, q.request_id, q.provider, q.model, 'standard', q.attrs->>'user',
       coalesce(ex.org_unit_id, rl.org_unit_id, mb.org_unit_id, 1), coalesce(q.attrs->>'project', rl.project), q.attrs,
       format('input=%s cache_read=%s output=%s reasoning=%s requests=1', q.pt - q.cached, q.cached, q.ct - q.reasoning, q.reasoning)::chargeback.token_usage,
       c.cost, c.cost, 'USD', date_trunc('month', q.occurred_at)::date, CASE WHEN q.price_id IS NULL THEN 'unpriced' ELSE 'priced' END,
       'openai_chat', q.price_id,
       CASE WHEN ex.org_unit_id IS NOT NULL THEN 'explicit' WHEN rl.rule_id IS NOT NULL THEN 'rule'
            WHEN mb.org_unit_id IS NOT NULL THEN 'membership' ELSE 'unattributed' END, rl.rule_id
FROM priced q
CROSS JOIN LATERAL (SELECT ((q.pt - q.cached) * q.r_in + q.cached * q.r_cr + (q.ct - q.reasoning) * q.r_out + q.reasoning * q.r_rs) / 1000000 AS cost) c
LEFT JOIN chargeback.org_unit ex ON lower(ex.code) = lower(coalesce(q.attrs->>'org_unit', q.attrs->>'department'))
LEFT JOIN LATERAL (SELECT r.rule_id, r.org_unit_id, r.project FROM chargeback.ownership_rule r
                   WHERE q.attrs @> r.match AND r.valid_from <= q.occurred_at AND (r.valid_to IS NULL OR r.valid_to > q.occurred_at)
                   ORDER BY r.priority DESC, r.rule_id LIMIT 1) rl ON true
LEFT JOIN chargeback.membership mb ON mb.principal = q.attrs->>'user' AND mb.valid_from <= q.occurred_at
     AND (mb.valid_to IS NULL OR mb.valid_to > q.occurred_at)
ON CONFLICT (provider, request_id) DO NOTHING
\$\$;

CREATE FUNCTION pg_temp.lean_ingest() RETURNS void LANGUAGE sql AS \$\$
INSERT INTO bench_lean_usage (usage_id, occurred_at, request_id, provider, model, principal, org_unit_id, attrs, tokens, cost, price_id)
SELECT nextval('chargeback.usage_usage_id_seq'), q.at, q.request_id, q.provider, q.model, q.attrs->>'user', coalesce(m.org_unit_id, 1), q.attrs,
       format('input=%s cache_read=%s output=%s reasoning=%s requests=1', q.pt - q.cached, q.cached, q.ct - q.reasoning, q.reasoning)::chargeback.token_usage,
       ((q.pt - q.cached) * chargeback.rate(p.rates, 'input') + q.cached * chargeback.rate(p.rates, 'cache_read')
        + (q.ct - q.reasoning) * chargeback.rate(p.rates, 'output') + q.reasoning * chargeback.rate(p.rates, 'reasoning')) / 1000000,
       p.price_id
FROM (SELECT s.payload->>'provider' AS provider, (s.payload->>'occurred_at')::timestamptz AS at, s.payload->>'request_id' AS request_id,
             s.payload->'response'->>'model' AS model, s.payload->'attrs' AS attrs,
             (s.payload->'response'->'usage'->>'prompt_tokens')::bigint AS pt,
             coalesce((s.payload->'response'->'usage'->'prompt_tokens_details'->>'cached_tokens')::bigint, 0) AS cached,
             (s.payload->'response'->'usage'->>'completion_tokens')::bigint AS ct,
             coalesce((s.payload->'response'->'usage'->'completion_tokens_details'->>'reasoning_tokens')::bigint, 0) AS reasoning
      FROM bench_staging s) q
LEFT JOIN chargeback.price p ON p.provider = q.provider AND p.model = regexp_replace(q.model, '-[0-9]{4}-[0-9]{2}-[0-9]{2}\$', '')
     AND p.service_tier = 'standard' AND p.min_prompt_tokens = 0 AND p.valid_from <= q.at AND (p.valid_to IS NULL OR p.valid_to > q.at)
LEFT JOIN chargeback.membership m ON m.principal = q.attrs->>'user' AND m.valid_from <= q.at AND (m.valid_to IS NULL OR m.valid_to > q.at)
ON CONFLICT (provider, request_id) DO NOTHING
\$\$;

DO \$\$
DECLARE
    t0 timestamptz;
    floor_t interval := '1 hour'; ext_t interval := '1 hour'; sql_t interval := '1 hour'; lean_t interval := '1 hour';
    n_lean bigint; cost_lean numeric; notrig_t interval := '1 hour';
    read_t interval := '1 hour'; usage_t interval := '1 hour'; claim_t interval := '1 hour';
    n_ext bigint; n_sql bigint; cost_ext numeric; cost_sql numeric;
BEGIN
    FOR round IN 1..3 LOOP
        TRUNCATE bench_floor;
        t0 := clock_timestamp();
        COPY bench_floor (payload) FROM '$lines';
        floor_t := least(floor_t, clock_timestamp() - t0);

        TRUNCATE chargeback.usage, chargeback.usage_request;
        t0 := clock_timestamp();
        COPY chargeback.usage_inbox (payload) FROM '$lines';
        ext_t := least(ext_t, clock_timestamp() - t0);

        TRUNCATE bench_staging, bench_sql_usage;
        t0 := clock_timestamp();
        COPY bench_staging (payload) FROM '$lines';
        PERFORM pg_temp.sql_ingest();
        sql_t := least(sql_t, clock_timestamp() - t0);

        TRUNCATE bench_staging, bench_lean_usage;
        t0 := clock_timestamp();
        COPY bench_staging (payload) FROM '$lines';
        PERFORM pg_temp.lean_ingest();
        lean_t := least(lean_t, clock_timestamp() - t0);
    END LOOP;
    SELECT count(*), sum(list_cost) INTO n_ext, cost_ext FROM chargeback.usage WHERE request_id LIKE 'req-a%';
    SELECT count(*), sum(list_cost) INTO n_sql, cost_sql FROM bench_sql_usage;
    IF n_ext <> n_sql OR cost_ext <> cost_sql THEN
        RAISE EXCEPTION 'the two implementations disagree: % rows % USD vs % rows % USD', n_ext, cost_ext, n_sql, cost_sql;
    END IF;
    SELECT count(*), sum(cost) INTO n_lean, cost_lean FROM bench_lean_usage;
    IF n_ext <> n_lean OR cost_ext <> cost_lean THEN
        RAISE EXCEPTION 'the lean pipeline disagrees: % rows % USD vs % rows % USD', n_ext, cost_ext, n_lean, cost_lean;
    END IF;
    RAISE NOTICE 'ingest % envelopes: floor (COPY to jsonb table) % ms, usage_inbox % ms, SQL implementation % ms, lean SQL pipeline % ms',
        n_ext, round(extract(epoch FROM floor_t) * 1000), round(extract(epoch FROM ext_t) * 1000), round(extract(epoch FROM sql_t) * 1000),
        round(extract(epoch FROM lean_t) * 1000);
    RAISE NOTICE 'ingest: %x the COPY floor (target <= 1.8), %x faster than SQL (target >= 3), %x faster than lean SQL (target >= 2); all priced % rows at % USD',
        round((extract(epoch FROM ext_t) / extract(epoch FROM floor_t))::numeric, 2),
        round((extract(epoch FROM sql_t) / extract(epoch FROM ext_t))::numeric, 2),
        round((extract(epoch FROM lean_t) / extract(epoch FROM ext_t))::numeric, 2), n_ext, cost_ext;

    -- The part of that time no implementation keeping the same guarantees can avoid, with
    -- PostgreSQL alone: reading and validating the lines (COPY into a json column, filtered
    -- out before insert), inserting the finished usage rows (primary key, BRIN, the rollup
    -- and budget triggers) and claiming their (provider, request_id) keys in the unique index
    -- that makes re-ingestion idempotent across month partitions.
    CREATE TABLE bench_json (payload json);
    CREATE TABLE bench_done AS SELECT * FROM chargeback.usage WHERE request_id LIKE 'req-a%';
    FOR round IN 1..3 LOOP
        t0 := clock_timestamp();
        COPY bench_json (payload) FROM '$lines' WHERE false;
        read_t := least(read_t, clock_timestamp() - t0);

        TRUNCATE chargeback.usage, chargeback.usage_request;
        t0 := clock_timestamp();
        INSERT INTO chargeback.usage SELECT * FROM bench_done;
        usage_t := least(usage_t, clock_timestamp() - t0);

        t0 := clock_timestamp();
        INSERT INTO chargeback.usage_request (provider, request_id, usage_id)
        SELECT provider, request_id, usage_id FROM bench_done ON CONFLICT DO NOTHING;
        claim_t := least(claim_t, clock_timestamp() - t0);
    END LOOP;
    RAISE NOTICE 'unavoidable with these guarantees: reading and validating the lines % ms, inserting the usage rows % ms, claiming their keys % ms: %x the floor before any parsing',
        round(extract(epoch FROM read_t) * 1000), round(extract(epoch FROM usage_t) * 1000), round(extract(epoch FROM claim_t) * 1000),
        round((extract(epoch FROM read_t + usage_t + claim_t) / extract(epoch FROM floor_t))::numeric, 2);
    RAISE NOTICE 'ingest: %x the unavoidable PostgreSQL part (target <= 1.6)',
        round((extract(epoch FROM ext_t) / extract(epoch FROM read_t + usage_t + claim_t))::numeric, 2);

    -- Steps: the same load with the statement triggers of usage (rollup, budgets, holds) off.
    ALTER TABLE chargeback.usage DISABLE TRIGGER usage_rollup_insert, DISABLE TRIGGER usage_budget_insert,
        DISABLE TRIGGER usage_settle_holds_insert;
    FOR round IN 1..3 LOOP
        TRUNCATE chargeback.usage, chargeback.usage_request;
        t0 := clock_timestamp();
        COPY chargeback.usage_inbox (payload) FROM '$lines';
        notrig_t := least(notrig_t, clock_timestamp() - t0);
    END LOOP;
    ALTER TABLE chargeback.usage ENABLE TRIGGER usage_rollup_insert, ENABLE TRIGGER usage_budget_insert,
        ENABLE TRIGGER usage_settle_holds_insert;
    RAISE NOTICE 'steps: usage_inbox without the usage statement triggers % ms (the triggers: % ms, %x the floor)',
        round(extract(epoch FROM notrig_t) * 1000), round(extract(epoch FROM ext_t - notrig_t) * 1000),
        round((extract(epoch FROM ext_t - notrig_t) / extract(epoch FROM floor_t))::numeric, 2);
END
\$\$;
SQL

# Peak private (anonymous) memory of the backend while it ingests N and 10*N lines.
peak_memory() {
    local file=$1 pid=""
    PGAPPNAME=cb_bench_memory $PSQL -q -c "COPY chargeback.usage_inbox (payload) FROM '$file';" &
    local bg=$!
    local peak=0 cur
    while kill -0 $bg 2>/dev/null; do
        [ -z "$pid" ] && pid=$($PSQL -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'cb_bench_memory'" 2>/dev/null || true)
        if [ -n "$pid" ] && [ -r /proc/$pid/status ]; then
            cur=$(awk '/^RssAnon/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
            [ -n "$cur" ] && [ "$cur" -gt "$peak" ] && peak=$cur
        fi
        sleep 0.05
    done
    wait $bg
    echo $(( peak / 1024 ))
}
# Both runs start from empty tables, so both record every line (none is a duplicate).
$PSQL -q -c "TRUNCATE chargeback.usage, chargeback.usage_request"
m1=$(peak_memory "$lines")
$PSQL -q -c "TRUNCATE chargeback.usage, chargeback.usage_request"
m10=$(peak_memory "$big")
# Flat means 10x the lines costs less than 1.5x the memory (plus 8 MB of noise).
verdict=$([ "$m10" -le $(( m1 * 3 / 2 + 8 )) ] && echo "flat" || echo "GROWS with the batch")
echo "peak backend private memory: $m1 MB for $N lines, $m10 MB for $(( 10 * N )) lines: $verdict"
