-- MERGE NOTE: a copy of chargeback.activity_outcome from main's src/sql/50_allocation.sql
-- (allocation branch), in exactly that shape, so that the showback views (unit_costs) and
-- their tests work on this branch. When main's allocation lands, delete this file: the
-- definition in 50_allocation.sql is the one to keep.
CREATE TABLE chargeback.activity_outcome (
    period date NOT NULL CHECK (period = date_trunc('month', period)::date),
    org_unit_id integer NOT NULL REFERENCES chargeback.org_unit (org_unit_id),
    activity_type text NOT NULL,
    units numeric NOT NULL CHECK (units >= 0),
    PRIMARY KEY (period, org_unit_id, activity_type)
);
COMMENT ON TABLE chargeback.activity_outcome IS
    'business outcomes per month (tickets resolved, opportunities, pull requests) for cost per outcome';
