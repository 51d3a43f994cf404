-- One gateway cannot release another's hold. In 0.2.0 hold ids were a sequence, and usage
-- quoting any hold's id in attrs.reservation_id settled it: a second gateway ingested an
-- unpriced row quoting the first one's hold, and the block budget then overspent (1.80 of
-- 1.00). Now ids are random and only the holder's own usage for the same provider settles a
-- hold. The gateways log in as themselves (settlement is tied to the session's login).
SET timezone = 'UTC';
SET client_min_messages = warning;
SELECT current_user AS superuser \gset
CREATE ROLE hold_gw1 LOGIN IN ROLE chargeback_ingest;
CREATE ROLE hold_gw2 LOGIN IN ROLE chargeback_ingest;
SELECT chargeback.set_price('holdco', 'h1', 'input=1', '2020-01-01') > 0 AS priced;
INSERT INTO chargeback.budget (name, scope, scope_value, period, amount, enforcement)
VALUES ('hold cap', 'provider', 'holdco', 'month', 1, 'block');

-- The first gateway holds 0.60 of the 1.00 cap; hold ids are not consecutive.
\c - hold_gw1
SELECT reservation_id AS rid FROM chargeback.authorize('{}', 'holdco', 'h1', 'input=600000') \gset
SELECT reservation_id AS rid2 FROM chargeback.authorize('{}', 'holdco', 'h1', 'input=1', ttl => '1 minute') \gset
SELECT abs(:rid2 - :rid) > 1000 AS ids_not_consecutive, :rid > 0 AND :rid2 > 0 AS positive;

-- The second gateway records usage quoting the first one's hold: the usage is recorded (it
-- happened), the hold stays open, and its own request that would overspend is denied.
\c - hold_gw2
SELECT chargeback.ingest(jsonb_build_object('provider', 'holdco', 'model', 'unpriced-model', 'request_id', 'hold-gw2',
                                            'occurred_at', '2020-06-01T00:00:00Z', 'tokens', jsonb_build_object('input', 1),
                                            'attrs', jsonb_build_object('reservation_id', :rid))) > 0 AS recorded;
SELECT allowed, reason ~ 'would be exceeded' AS denied_by_the_cap FROM chargeback.authorize('{}', 'holdco', 'h1', 'input=600000');

-- Usage of another provider quoting it does not settle it either; the holder's own does.
\c - hold_gw1
SELECT chargeback.ingest(jsonb_build_object('provider', 'othercox', 'model', 'o1', 'request_id', 'hold-other',
                                            'occurred_at', '2020-06-01T00:00:00Z', 'tokens', jsonb_build_object('input', 1),
                                            'attrs', jsonb_build_object('reservation_id', :rid))) > 0 AS recorded;
\c - :superuser
SELECT settled_at IS NULL AS still_open FROM chargeback.reservation WHERE reservation_id = :rid;
\c - hold_gw1
SELECT chargeback.ingest(jsonb_build_object('provider', 'holdco', 'model', 'h1', 'request_id', 'hold-own',
                                            'occurred_at', '2020-06-01T00:00:00Z', 'tokens', jsonb_build_object('input', 1),
                                            'attrs', jsonb_build_object('reservation_id', :rid))) > 0 AS recorded;
\c - :superuser
SELECT r.settled_at IS NOT NULL AS settled, u.request_id AS settled_by, r.holder, r.provider
FROM chargeback.reservation r JOIN chargeback.usage u ON u.usage_id = r.settled_usage_id
WHERE r.reservation_id = :rid;

-- A quoted id that is not a number, or beyond bigint, settles nothing and fails nothing.
\c - hold_gw1
SELECT chargeback.ingest(jsonb_build_object('provider', 'holdco', 'model', 'h1', 'request_id', 'hold-big',
                                            'occurred_at', '2020-06-01T00:00:00Z', 'tokens', jsonb_build_object('input', 1),
                                            'attrs', jsonb_build_object('reservation_id', '99999999999999999999'))) > 0 AS recorded;
SELECT chargeback.ingest(jsonb_build_object('provider', 'holdco', 'model', 'h1', 'request_id', 'hold-huge',
                                            'occurred_at', '2020-06-01T00:00:00Z', 'tokens', jsonb_build_object('input', 1),
                                            'attrs', jsonb_build_object('reservation_id', '9999999999999999999'))) > 0 AS recorded;

\c - :superuser
DELETE FROM chargeback.budget WHERE name = 'hold cap';
DROP OWNED BY hold_gw1, hold_gw2;
DROP ROLE hold_gw1;
DROP ROLE hold_gw2;
