-- Access (docs/security.md): the four roles of pg_chargeback.
--   chargeback_admin    changes the catalog, the organisation, rules, budgets, allocation
--                       inputs and periods, and runs allocations; member of chargeback_analyst
--                       (an admin reads what it changes)
--   chargeback_ingest   records usage and asks for holds: ingest(), authorize(), COPY into
--                       usage_inbox; reads nothing
--   chargeback_analyst  reads everything
--   chargeback_viewer   reads the reports of the org units it is scoped to (grant_view()),
--                       through row-level security
-- Roles belong to the cluster, not to a database or the extension: they are made here only
-- when missing (another database may have made them), NOLOGIN, and stay when the extension
-- is dropped. Existing roles of these names are used as they are. Privileges are granted in
-- privileges.sql, once every object exists.
DO $$
DECLARE
    r text;
    comments text[] := ARRAY[
        'pg_chargeback: changes prices, org units, memberships, rules, budgets, allocation inputs and periods; runs allocations (member of chargeback_analyst)',
        'pg_chargeback: ingests usage and authorizes requests (ingest(), authorize(), COPY into usage_inbox); reads nothing',
        'pg_chargeback: reads everything',
        'pg_chargeback: reads the usage, reports and budgets of the org units it is scoped to (chargeback.grant_view)'];
    i integer := 0;
BEGIN
    FOREACH r IN ARRAY ARRAY['chargeback_admin', 'chargeback_ingest', 'chargeback_analyst', 'chargeback_viewer'] LOOP
        i := i + 1;
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXECUTE format('COMMENT ON ROLE %I IS %L', r, comments[i]);
        END IF;
    END LOOP;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m
                   WHERE m.roleid = 'chargeback_analyst'::regrole AND m.member = 'chargeback_admin'::regrole) THEN
        GRANT chargeback_analyst TO chargeback_admin;
    END IF;
END
$$;
