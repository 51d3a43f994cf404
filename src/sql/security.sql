-- Row-level security: a viewer sees the org units it is scoped to and their descendants;
-- analysts and admins see everything. Superusers and the tables' owner (the extension's
-- definer functions run as it) are not subject to row security.

-- Which role may see which org unit (and everything below it).
CREATE TABLE chargeback.view_grant (
    role regrole NOT NULL,
    org_unit_id integer NOT NULL REFERENCES chargeback.org_unit (org_unit_id) ON DELETE CASCADE,
    granted_at timestamptz NOT NULL DEFAULT now(),
    granted_by text NOT NULL DEFAULT session_user,
    PRIMARY KEY (role, org_unit_id)
);
COMMENT ON TABLE chargeback.view_grant IS
    'viewer scopes made by chargeback.grant_view(): members of role see the org unit and its descendants';
COMMENT ON COLUMN chargeback.view_grant.role IS
    'the role (by OID, as PostgreSQL''s own grants: a role created later under a dropped role''s name gets nothing); every role that has its privileges (pg_has_role USAGE) gets the scope';

-- True for members of chargeback_analyst (admins are members too): no row filter.
CREATE FUNCTION chargeback.sees_all() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
    SELECT pg_catalog.pg_has_role('chargeback_analyst', 'USAGE')
$$;
COMMENT ON FUNCTION chargeback.sees_all() IS
    'true when the current role reads every org unit (chargeback_analyst, which chargeback_admin is a member of)';

-- The org units the current role may read: everything for analysts, else the units of its
-- grants (to itself or to any role whose privileges it has) and their descendants. Security
-- invoker on purpose: it must see the calling role (current_user is the owner inside a
-- SECURITY DEFINER function); it reads view_grant (whose policy shows a role its own rows)
-- and org_unit. Policies call it in an uncorrelated subquery, so it runs once per query.
CREATE FUNCTION chargeback.visible_org_units() RETURNS integer[]
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
    SELECT CASE WHEN chargeback.sees_all()
                THEN (SELECT coalesce(array_agg(u.org_unit_id ORDER BY u.org_unit_id), '{}') FROM chargeback.org_unit u)
                ELSE (SELECT coalesce(array_agg(DISTINCT d ORDER BY d), '{}')
                      FROM chargeback.view_grant g
                      CROSS JOIN LATERAL chargeback.org_unit_descendants(g.org_unit_id) d
                      WHERE pg_catalog.pg_has_role(g.role::oid, 'USAGE'))
           END
$$;
COMMENT ON FUNCTION chargeback.visible_org_units() IS
    'org_unit_ids the current role may read: all for analysts and admins, else the units granted by grant_view() and their descendants';

-- The budgets the current role may read (budget's own policy decides; see below).
CREATE FUNCTION chargeback.visible_budgets() RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
    SELECT coalesce(array_agg(b.budget_id ORDER BY b.budget_id), '{}') FROM chargeback.budget b
$$;
COMMENT ON FUNCTION chargeback.visible_budgets() IS
    'budget_ids the current role may read: all for analysts and admins, else the org_unit budgets of units it may read';

-- grant_view: scopes a role to an org unit and its descendants.
CREATE FUNCTION chargeback.grant_view(role name, org_unit text) RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    unit integer;
    n integer;
BEGIN
    IF grant_view.role IS NULL OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = grant_view.role) THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = format('role %s does not exist', coalesce(quote_ident(grant_view.role), 'NULL')),
            HINT = 'role names are case-sensitive here; create the role first, e.g. CREATE ROLE marketing_viewers NOLOGIN IN ROLE chargeback_viewer';
    END IF;
    SELECT u.org_unit_id INTO unit FROM chargeback.org_unit u WHERE lower(u.code) = lower(grant_view.org_unit);
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown org unit %s', coalesce(quote_literal(grant_view.org_unit), 'NULL')),
            HINT = 'give the code of a chargeback.org_unit (matched case-insensitively)';
    END IF;
    INSERT INTO chargeback.view_grant (role, org_unit_id)
    SELECT r.oid::regrole, unit FROM pg_catalog.pg_roles r WHERE r.rolname = grant_view.role ON CONFLICT DO NOTHING;
    IF NOT pg_catalog.pg_has_role(grant_view.role, 'chargeback_viewer', 'USAGE')
       AND NOT pg_catalog.pg_has_role(grant_view.role, 'chargeback_analyst', 'USAGE') THEN
        RAISE NOTICE USING
            MESSAGE = format('role %s is scoped to %s but has no privileges of chargeback_viewer', quote_ident(grant_view.role),
                             grant_view.org_unit),
            HINT = format('GRANT chargeback_viewer TO %s; lets it read the reports', quote_ident(grant_view.role));
    END IF;
    SELECT count(*) INTO n FROM chargeback.org_unit_descendants(unit);
    RETURN n;
END
$$;
COMMENT ON FUNCTION chargeback.grant_view(name, text) IS
    'scopes a role (and every role with its privileges) to an org unit and its descendants; returns how many units that is';

-- revoke_view: removes a scope (every scope of the role when org_unit is NULL).
CREATE FUNCTION chargeback.revoke_view(role name, org_unit text DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    IF revoke_view.org_unit IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM chargeback.org_unit u WHERE lower(u.code) = lower(revoke_view.org_unit)) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown org unit %s', quote_literal(revoke_view.org_unit)),
            HINT = 'give the code of a chargeback.org_unit (matched case-insensitively), or NULL for every scope of the role';
    END IF;
    DELETE FROM chargeback.view_grant g
     WHERE g.role::oid = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = revoke_view.role)
       AND (revoke_view.org_unit IS NULL
            OR g.org_unit_id = (SELECT u.org_unit_id FROM chargeback.org_unit u WHERE lower(u.code) = lower(revoke_view.org_unit)));
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION chargeback.revoke_view(name, text) IS
    'removes the scope of a role on an org unit (all its scopes when org_unit is NULL); returns the grants removed';

-- The policies. Reading: analysts see every row, others the rows of their units. Both
-- functions sit in uncorrelated subqueries, so each runs once per query (an InitPlan) and
-- a row costs one array lookup; for analysts the first operand short-circuits the test.
-- Writing: only admins, and only where they write as themselves (allocation lines through
-- run_allocation() and close_period(), outcomes, budgets, scopes); usage, its rollup and
-- the budget bookkeeping are written only by the owner (ingest, authorize, reprice and the
-- maintenance triggers are SECURITY DEFINER), which row security does not apply to.
ALTER TABLE chargeback.usage ENABLE ROW LEVEL SECURITY;
CREATE POLICY usage_read ON chargeback.usage FOR SELECT
    USING ((SELECT chargeback.sees_all()) OR org_unit_id = ANY ((SELECT chargeback.visible_org_units())::integer[]));

ALTER TABLE chargeback.daily_rollup ENABLE ROW LEVEL SECURITY;
CREATE POLICY daily_rollup_read ON chargeback.daily_rollup FOR SELECT
    USING ((SELECT chargeback.sees_all()) OR org_unit_id = ANY ((SELECT chargeback.visible_org_units())::integer[]));

ALTER TABLE chargeback.allocation_line ENABLE ROW LEVEL SECURITY;
CREATE POLICY allocation_line_read ON chargeback.allocation_line FOR SELECT
    USING ((SELECT chargeback.sees_all()) OR org_unit_id = ANY ((SELECT chargeback.visible_org_units())::integer[]));
CREATE POLICY allocation_line_admin ON chargeback.allocation_line TO chargeback_admin USING (true) WITH CHECK (true);

ALTER TABLE chargeback.activity_outcome ENABLE ROW LEVEL SECURITY;
CREATE POLICY activity_outcome_read ON chargeback.activity_outcome FOR SELECT
    USING ((SELECT chargeback.sees_all()) OR org_unit_id = ANY ((SELECT chargeback.visible_org_units())::integer[]));
CREATE POLICY activity_outcome_admin ON chargeback.activity_outcome TO chargeback_admin USING (true) WITH CHECK (true);

-- A viewer sees the org_unit budgets of its units (not global, project, principal, provider
-- or model budgets, nor the budget of a parent unit: those count other units' spend).
ALTER TABLE chargeback.budget ENABLE ROW LEVEL SECURITY;
CREATE POLICY budget_read ON chargeback.budget FOR SELECT
    USING ((SELECT chargeback.sees_all())
           OR (scope = 'org_unit'
               AND EXISTS (SELECT 1 FROM chargeback.org_unit u
                           WHERE lower(u.code) = lower(budget.scope_value)
                             AND u.org_unit_id = ANY ((SELECT chargeback.visible_org_units())::integer[]))));
CREATE POLICY budget_admin ON chargeback.budget TO chargeback_admin USING (true) WITH CHECK (true);

-- Spend, events and holds follow their budget.
ALTER TABLE chargeback.budget_spend ENABLE ROW LEVEL SECURITY;
CREATE POLICY budget_spend_read ON chargeback.budget_spend FOR SELECT
    USING ((SELECT chargeback.sees_all()) OR budget_id = ANY ((SELECT chargeback.visible_budgets())::bigint[]));
ALTER TABLE chargeback.budget_event ENABLE ROW LEVEL SECURITY;
CREATE POLICY budget_event_read ON chargeback.budget_event FOR SELECT
    USING ((SELECT chargeback.sees_all()) OR budget_id = ANY ((SELECT chargeback.visible_budgets())::bigint[]));
ALTER TABLE chargeback.reservation ENABLE ROW LEVEL SECURITY;
CREATE POLICY reservation_read ON chargeback.reservation FOR SELECT
    USING ((SELECT chargeback.sees_all()) OR budget_id = ANY ((SELECT chargeback.visible_budgets())::bigint[]));

-- Anomalies belong to the org unit of their series.
ALTER TABLE chargeback.spend_anomaly_event ENABLE ROW LEVEL SECURITY;
CREATE POLICY spend_anomaly_event_read ON chargeback.spend_anomaly_event FOR SELECT
    USING ((SELECT chargeback.sees_all()) OR org_unit_id = ANY ((SELECT chargeback.visible_org_units())::integer[]));

-- Rejected input and dropped duplicates carry no trusted owner: analysts only (a viewer's
-- data_quality shows 0 for them).
ALTER TABLE chargeback.usage_rejected ENABLE ROW LEVEL SECURITY;
CREATE POLICY usage_rejected_read ON chargeback.usage_rejected FOR SELECT USING ((SELECT chargeback.sees_all()));
ALTER TABLE chargeback.usage_duplicate ENABLE ROW LEVEL SECURITY;
CREATE POLICY usage_duplicate_read ON chargeback.usage_duplicate FOR SELECT USING ((SELECT chargeback.sees_all()));

-- Invoices, their daily lines and fixed charges are the whole company's (the FOCUS views read them): analysts
-- only (a viewer's FOCUS export has its units' usage, not the invoice true-ups).
ALTER TABLE chargeback.invoice ENABLE ROW LEVEL SECURITY;
CREATE POLICY invoice_read ON chargeback.invoice FOR SELECT USING ((SELECT chargeback.sees_all()));
CREATE POLICY invoice_admin ON chargeback.invoice TO chargeback_admin USING (true) WITH CHECK (true);
ALTER TABLE chargeback.fixed_charge ENABLE ROW LEVEL SECURITY;
CREATE POLICY fixed_charge_read ON chargeback.fixed_charge FOR SELECT USING ((SELECT chargeback.sees_all()));
CREATE POLICY fixed_charge_admin ON chargeback.fixed_charge TO chargeback_admin USING (true) WITH CHECK (true);
ALTER TABLE chargeback.invoice_line ENABLE ROW LEVEL SECURITY;
CREATE POLICY invoice_line_read ON chargeback.invoice_line FOR SELECT USING ((SELECT chargeback.sees_all()));
CREATE POLICY invoice_line_admin ON chargeback.invoice_line TO chargeback_admin USING (true) WITH CHECK (true);

-- A role reads its own scopes (visible_org_units() reads them as the caller).
ALTER TABLE chargeback.view_grant ENABLE ROW LEVEL SECURITY;
CREATE POLICY view_grant_read ON chargeback.view_grant FOR SELECT
    USING ((SELECT chargeback.sees_all()) OR pg_catalog.pg_has_role(view_grant.role::oid, 'USAGE'));
CREATE POLICY view_grant_admin ON chargeback.view_grant TO chargeback_admin USING (true) WITH CHECK (true);

-- Views run with the rights of their owner in PostgreSQL 15, which row security does not
-- apply to: every view reads as its caller instead (the inbox views select nothing; an
-- INSERT into them runs the SECURITY DEFINER ingest triggers). A view added later is
-- caught by sql/security.sql.
DO $$
DECLARE
    v regclass;
BEGIN
    FOR v IN SELECT c.oid::regclass FROM pg_catalog.pg_class c
             WHERE c.relnamespace = 'chargeback'::regnamespace AND c.relkind = 'v'
               AND c.relname NOT IN ('usage_inbox', 'usage_inbox_text')
             ORDER BY c.relname
    LOOP
        EXECUTE format('ALTER VIEW %s SET (security_invoker = true)', v);
    END LOOP;
END
$$;

-- Kept by pg_dump (schema.sql).
SELECT chargeback.dump_config('chargeback.view_grant');
