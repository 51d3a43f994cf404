-- Privileges (docs/security.md has the table of roles and rights). Runs after every object
-- of the release exists. Functions are executable by PUBLIC only when pure and harmless;
-- everything else is granted to the role that needs it.

GRANT USAGE ON SCHEMA chargeback TO PUBLIC;

-- Functions: nothing for PUBLIC, then the pure ones back (types and their I/O, operators,
-- casts and aggregates, cost(), parsers that store nothing (payloads capped by
-- chargeback.max_payload_bytes), allocate() and allocate_agg(), name normalization, calendar
-- helpers, the hold ttl setting, restoring()). Not the allocation engine: its input can be
-- made to cost seconds of CPU (bounded and cancellable, but for admins, who run allocations).
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA chargeback FROM PUBLIC;
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
             WHERE p.pronamespace = 'chargeback'::regnamespace
               AND (p.proname ~ '^token_(usage|rates)_' OR p.proname ~ '^allocate_agg'
                    OR p.proname IN ('sum', 'tokens', 'total_tokens', 'prompt_tokens', 'priced_prompt_tokens', 'rate', 'currency',
                                     'numeric_mul_token_rates', 'is_currency', 'cost', 'normalize_provider',
                                     'normalize_service_tier', 'parse_usage', 'parse_price_catalog', 'price_catalog_notes', 'valid_rule_match',
                                     'allocate', 'forecast', 'forecast_accum', 'forecast_final', 'anomaly', 'anomaly_accum', 'anomaly_final',
                                     'period_of', 'day_of', 'accounting_timezone', 'budget_state', 'budget_covers', 'budget_period_start', 'budget_period_end', 'focus_service', 'focus_model', 'focus_datetime',
                                     'max_hold_ttl', 'restoring', 'reporting_currency', 'minor_unit', 'convert_share'))
             ORDER BY p.oid::regprocedure::text
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', f);
    END LOOP;
END
$$;

-- chargeback_ingest: records usage and asks for holds, reads nothing.
GRANT EXECUTE ON FUNCTION chargeback.ingest(jsonb, jsonb, text),
                          chargeback.authorize(jsonb, text, text, chargeback.token_usage, text, interval)
    TO chargeback_ingest;
GRANT INSERT ON chargeback.usage_inbox, chargeback.usage_inbox_text TO chargeback_ingest;

-- chargeback_viewer: the reports of its units. Views read as their caller, so the viewer
-- also reads the tables under them, filtered by row security; price and model_alias (the
-- catalog, which focus shows) and org_unit (names and cost centers that label the rows)
-- are reference data, not spend. Of a run it reads what the journal shows, not its totals.
GRANT SELECT ON chargeback.showback, chargeback.daily_spend, chargeback.unit_costs, chargeback.focus,
                chargeback.focus_1_2, chargeback.focus_invoice_detail, chargeback.focus_billing_period,
                chargeback.data_quality, chargeback.budget_status, chargeback.journal, chargeback.unpriced_usage,
                chargeback.spend_anomaly, chargeback.cost_drift
    TO chargeback_viewer;
GRANT SELECT ON chargeback.usage, chargeback.daily_rollup, chargeback.activity_outcome,
                chargeback.budget, chargeback.budget_spend, chargeback.budget_event, chargeback.reservation,
                chargeback.spend_anomaly_event,
                chargeback.usage_rejected, chargeback.usage_duplicate, chargeback.view_grant,
                chargeback.org_unit, chargeback.price, chargeback.model_alias, chargeback.period,
                chargeback.invoice, chargeback.fixed_charge
    TO chargeback_viewer;
-- Of a run, what the journal and statements show: its identity, not its totals (the whole
-- company's).
GRANT SELECT (run_id, period, model, status, created_at) ON chargeback.allocation_run TO chargeback_viewer;
-- Of its units' lines, the amounts, not their basis: a line's basis holds the pool totals,
-- ratios and weights from which other units' costs follow.
GRANT SELECT (line_id, run_id, period, org_unit_id, project, activity_type, component, source, amount, currency)
    ON chargeback.allocation_line TO chargeback_viewer;
GRANT EXECUTE ON FUNCTION chargeback.sees_all(), chargeback.visible_org_units(), chargeback.visible_budgets(),
                          chargeback.org_unit_descendants(integer), chargeback.cost_center_of(integer),
                          chargeback.budget_spent(bigint, date), chargeback.budget_held(bigint, date),
                          chargeback.resolve_model(text, text), chargeback.resolve_model(text, text, timestamptz)
    TO chargeback_viewer;

-- chargeback_analyst: reads everything (every table and view of the schema; usage through
-- chargeback.usage, not its partitions), and the lookups.
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT c.oid::regclass FROM pg_catalog.pg_class c
             WHERE c.relnamespace = 'chargeback'::regnamespace AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition
               AND c.relname NOT IN ('usage_inbox', 'usage_inbox_text')
             ORDER BY c.relname
    LOOP
        EXECUTE format('GRANT SELECT ON %s TO chargeback_analyst', t);
    END LOOP;
END
$$;
GRANT EXECUTE ON FUNCTION chargeback.sees_all(), chargeback.visible_org_units(), chargeback.visible_budgets(),
                          chargeback.org_unit_descendants(integer), chargeback.cost_center_of(integer),
                          chargeback.budget_spent(bigint, date), chargeback.budget_held(bigint, date),
                          chargeback.applicable_budgets(timestamptz, integer, text, text, text, text),
                          chargeback.explain(bigint),
                          chargeback.price_for(text, text, timestamptz, text, bigint),
                          chargeback.price_id_for(text, text, timestamptz, text, bigint),
                          chargeback.list_cost(text, text, timestamptz, text, chargeback.token_usage),
                          chargeback.resolve_model(text, text), chargeback.resolve_model(text, text, timestamptz), chargeback.resolve_owner(jsonb, timestamptz),
                          chargeback.cache_stats(), chargeback.selftest_boundary(text)
    TO chargeback_analyst;

-- chargeback_admin (a member of chargeback_analyst): the catalog, the organisation, rules,
-- budgets, allocation inputs, periods and runs, viewer scopes. Usage, its rollup and the
-- budget bookkeeping are written only by the extension (ingest, reprice, triggers).
GRANT INSERT, UPDATE, DELETE ON chargeback.price, chargeback.model_alias, chargeback.org_unit, chargeback.membership,
                                chargeback.ownership_rule, chargeback.budget, chargeback.allocation_rule,
                                chargeback.fixed_charge, chargeback.invoice, chargeback.activity_outcome,
                                chargeback.invoice_line
    TO chargeback_admin;
GRANT INSERT, UPDATE ON chargeback.period TO chargeback_admin;
GRANT INSERT ON chargeback.period_event TO chargeback_admin;
GRANT INSERT, UPDATE, DELETE ON chargeback.allocation_run TO chargeback_admin;
GRANT INSERT ON chargeback.allocation_line TO chargeback_admin;
GRANT INSERT, DELETE ON chargeback.view_grant TO chargeback_admin;
GRANT INSERT, UPDATE, DELETE ON chargeback.fx_rate TO chargeback_admin;
GRANT EXECUTE ON FUNCTION chargeback.set_price(text, text, chargeback.token_rates, timestamptz, text, bigint, text),
                          chargeback.import_prices(jsonb, text, timestamptz),
                          chargeback.price_rows_of(jsonb, text, timestamptz),
                          chargeback.price_import_plan(jsonb, text, timestamptz),
                          chargeback.lock_price_key(text, text, text, bigint),
                          chargeback.move_member(text, text, timestamptz),
                          chargeback.lock_membership(text),
                          chargeback.reprice(timestamptz, timestamptz),
                          chargeback.run_allocation(date, text), chargeback.close_period(date, text),
                          chargeback.reopen_period(date, text), chargeback.lock_allocation(date),
                          chargeback.allocation_input(date, text), chargeback.allocation_write(date, text, boolean),
                          chargeback.rebuild_daily_rollup(), chargeback.ensure_partitions(date, date),
                          chargeback.maintenance(), chargeback.schedule_jobs(integer, text, text, text),
                          chargeback.unschedule_jobs(),
                          chargeback.grant_view(name, text), chargeback.revoke_view(name, text),
                          chargeback.xact_lock(text), chargeback.archive_usage(date, text),
                          chargeback.allocation_compute(jsonb), chargeback.detect_anomalies(date, numeric),
                          chargeback.set_fx_rate(text, text, numeric, timestamptz),
                          chargeback.import_cost_report(text, jsonb)
    TO chargeback_admin;

-- Exchange rates are not secret: whoever reads a report may convert it.
GRANT SELECT ON chargeback.fx_rate TO chargeback_viewer;
GRANT EXECUTE ON FUNCTION chargeback.fx_rate_at(text, text, timestamptz), chargeback.allocation_lines_in(bigint, text),
                          chargeback.journal_in(text), chargeback.showback_in(date, text)
    TO chargeback_viewer, chargeback_analyst;

-- chargeback.focus (security invoker) follows split allocation through pools with it; bounded
-- by the engine's limits (100 pools) and cancellable.
GRANT EXECUTE ON FUNCTION chargeback.allocation_flow(jsonb) TO chargeback_viewer, chargeback_analyst;

-- statement_html(period, org_unit) renders what its caller may read (SECURITY INVOKER over
-- the views above): for viewers and analysts.
GRANT EXECUTE ON FUNCTION chargeback.statement_html(date, text), chargeback.statement_data(date, text),
                          chargeback.render_statement(jsonb)
    TO chargeback_viewer, chargeback_analyst;
