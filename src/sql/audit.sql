-- The audit log: every change to prices, aliases, org units, memberships, ownership rules,
-- budgets, allocation rules, fixed charges, invoices and their lines, outcomes, periods,
-- exchange rates and viewer scopes,
-- one row per changed row, written by statement-level triggers from their transition tables
-- (import_prices() and bulk loads write thousands of rows in few statements).

CREATE TABLE chargeback.audit_log (
    audit_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT statement_timestamp(),
    actor text NOT NULL DEFAULT session_user,
    role text DEFAULT nullif(current_setting('role'), 'none'),
    object text NOT NULL,
    action text NOT NULL CHECK (action IN ('insert', 'update', 'delete', 'truncate')),
    old jsonb,
    new jsonb,
    xact xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX audit_log_object_idx ON chargeback.audit_log (object, at);
COMMENT ON TABLE chargeback.audit_log IS
    'who changed which catalog, organisation, rule, budget or period row, when, from what to what; only superusers can change or delete entries';
COMMENT ON COLUMN chargeback.audit_log.at IS 'start of the statement that made the change';
COMMENT ON COLUMN chargeback.audit_log.actor IS 'session_user: the role that logged in (SET ROLE and SECURITY DEFINER functions do not change it)';
COMMENT ON COLUMN chargeback.audit_log.role IS 'the role set with SET ROLE at the time, NULL when none';
COMMENT ON COLUMN chargeback.audit_log.object IS 'table changed: price, model_alias, org_unit, membership, ownership_rule, budget, allocation_rule, fixed_charge, invoice, invoice_line, activity_outcome, period, view_grant, fx_rate';
COMMENT ON COLUMN chargeback.audit_log.old IS 'the row before (update, delete), as jsonb';
COMMENT ON COLUMN chargeback.audit_log.new IS 'the row after (insert, update), as jsonb';
COMMENT ON COLUMN chargeback.audit_log.xact IS 'transaction that made the change (groups the rows of one change)';

-- One trigger function for every audited table; TG_ARGV holds the table's key columns, which
-- pair the old and new rows of an UPDATE (a row whose key changed is logged as an update
-- with only old or only new). Rows an UPDATE left unchanged are not logged. SECURITY
-- DEFINER: nobody else may write the log.
CREATE FUNCTION chargeback.audit_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    keys text[] := TG_ARGV;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO chargeback.audit_log (object, action) VALUES (TG_TABLE_NAME, 'truncate');
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO chargeback.audit_log (object, action, new)
        SELECT TG_TABLE_NAME, 'insert', to_jsonb(n) FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO chargeback.audit_log (object, action, old)
        SELECT TG_TABLE_NAME, 'delete', to_jsonb(o) FROM old_rows o;
    ELSE
        INSERT INTO chargeback.audit_log (object, action, old, new)
        SELECT TG_TABLE_NAME, 'update', o.j, n.j
        FROM (SELECT to_jsonb(o) AS j FROM old_rows o) o
        FULL JOIN (SELECT to_jsonb(n) AS j FROM new_rows n) n
               ON (SELECT jsonb_agg(o.j -> k) FROM unnest(keys) k) = (SELECT jsonb_agg(n.j -> k) FROM unnest(keys) k)
        WHERE o.j IS DISTINCT FROM n.j;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION chargeback.audit_changes() IS
    'statement trigger: writes the changed rows of its table to chargeback.audit_log (arguments: the key columns)';

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('price', '''price_id'''), ('model_alias', '''alias_id'''), ('org_unit', '''org_unit_id'''),
        ('membership', '''membership_id'''), ('ownership_rule', '''rule_id'''), ('budget', '''budget_id'''),
        ('allocation_rule', '''rule_id'''), ('fixed_charge', '''fixed_charge_id'''),
        ('invoice', '''provider'', ''period'', ''currency'''),
        ('activity_outcome', '''period'', ''org_unit_id'', ''activity_type'''),
        ('period', '''period'''), ('view_grant', '''role'', ''org_unit_id'''),
        ('fx_rate', '''fx_rate_id'''), ('invoice_line', '''invoice_line_id''')) AS v (tab, keys)
    LOOP
        EXECUTE format('CREATE TRIGGER audit_insert AFTER INSERT ON chargeback.%I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION chargeback.audit_changes(%s)', t.tab, t.keys);
        EXECUTE format('CREATE TRIGGER audit_update AFTER UPDATE ON chargeback.%I REFERENCING OLD TABLE AS old_rows '
                       'NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargeback.audit_changes(%s)', t.tab, t.keys);
        EXECUTE format('CREATE TRIGGER audit_delete AFTER DELETE ON chargeback.%I REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION chargeback.audit_changes(%s)', t.tab, t.keys);
        EXECUTE format('CREATE TRIGGER audit_truncate AFTER TRUNCATE ON chargeback.%I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION chargeback.audit_changes()', t.tab);
    END LOOP;
END
$$;

-- The log cannot be changed, except by a superuser's own session (to purge old entries):
-- not by the owner's SECURITY DEFINER functions on behalf of others, not by any grant.
CREATE FUNCTION chargeback.audit_log_protect() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
BEGIN
    IF NOT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user), false) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('chargeback.audit_log is append-only: %s is not allowed', lower(TG_OP)),
            HINT = 'only a superuser session can remove audit entries';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE TRIGGER audit_log_protect BEFORE UPDATE OR DELETE ON chargeback.audit_log
    FOR EACH ROW EXECUTE FUNCTION chargeback.audit_log_protect();
CREATE TRIGGER audit_log_protect_truncate BEFORE TRUNCATE ON chargeback.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.audit_log_protect();

-- Kept by pg_dump; a restore loads it as dumped and logs nothing of its own (the restored
-- rows of every table are loaded with the extension's triggers off: schema.sql).
SELECT chargeback.dump_config('chargeback.audit_log');
