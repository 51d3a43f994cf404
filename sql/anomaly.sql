-- Spend anomalies: a spike of one user's spend in an org unit is recorded once, with its
-- cause, notified without figures, and read by a viewer of that unit only. Dates are in 2022
-- (any day checked is given explicitly), so the test passes on any date.
SET search_path = chargeback, public;
SET timezone = 'UTC';

-- The detector alone (the aggregate): 28 days at 100, then nothing (low: 75 to 125 expected);
-- then 300 + 200 in two rows of the day (high).
SELECT a->>'verdict' AS verdict, a->>'rule' AS rule, a->>'expected' AS expected, a->>'low' AS low,
       a->>'high' AS high, a->>'actual' AS actual, a->>'history_days' AS history_days
FROM (SELECT anomaly(g::date, 100, '2022-01-29', 1) AS a FROM generate_series('2022-01-01'::date, '2022-01-28', '1 day') g) x;
SELECT anomaly(d, c, '2022-01-29', 1)->>'verdict' AS verdict
FROM (SELECT g::date AS d, 100 AS c FROM generate_series('2022-01-01'::date, '2022-01-28', '1 day') g
      UNION ALL SELECT '2022-01-29', 300 UNION ALL SELECT '2022-01-29', 200) x;
-- Too little history is never an anomaly.
SELECT anomaly(d, c, '2022-01-29', 1)->>'verdict' AS verdict
FROM (SELECT g::date AS d, 100 AS c FROM generate_series('2022-01-10'::date, '2022-01-28', '1 day') g
      UNION ALL SELECT '2022-01-29', 5000) x;
-- Bad input: a day after the checked one, a negative min_change, a non-finite date.
SELECT anomaly(d, 1, '2022-01-29', 1) FROM (VALUES ('2022-01-30'::date)) v (d);
SELECT anomaly(d, 1, '2022-01-29', -1) FROM (VALUES ('2022-01-28'::date)) v (d);
SELECT anomaly(d, 1, 'infinity', 1) FROM (VALUES ('2022-01-28'::date)) v (d);
SELECT detect_anomalies('2022-02-28', -1);

-- Two units: an-red (alice on p1 every day, bob a little), an-blue (steady); anomco's model
-- am costs 1 per 1000 input tokens.
SELECT set_price('anomco', 'am', 'input=1000', '2021-01-01') > 0 AS priced;
INSERT INTO org_unit (code, name) VALUES ('an-red', 'Red'), ('an-blue', 'Blue');
INSERT INTO usage_inbox (payload)
SELECT jsonb_build_object('provider', 'anomco', 'model', 'am', 'request_id', format('an-%s-%s', u.who, g::date),
                          'occurred_at', g::date + time '10:00', 'tokens', jsonb_build_object('input', u.tokens, 'requests', 1),
                          'attrs', jsonb_build_object('department', u.unit, 'project', u.project, 'user', u.who))
FROM generate_series('2022-01-01'::date, '2022-02-27', '1 day') g
CROSS JOIN LATERAL (VALUES ('an-red', 'p1', 'alice', 100000 + 5000 * (extract(doy FROM g)::int % 3)),
                           ('an-red', 'p1', 'bob', 10000),
                           ('an-blue', 'p9', 'carol', 50000)) u (unit, project, who, tokens);
-- 2022-02-28: alice as usual, bob spends 400 on a new project p2; blue as usual.
INSERT INTO usage_inbox (payload) VALUES
 ('{"provider": "anomco", "model": "am", "request_id": "an-alice-0228", "occurred_at": "2022-02-28T10:00:00Z", "tokens": {"input": 105000, "requests": 1}, "attrs": {"department": "an-red", "project": "p1", "user": "alice"}}'),
 ('{"provider": "anomco", "model": "am", "request_id": "an-bob-0228", "occurred_at": "2022-02-28T11:00:00Z", "tokens": {"input": 400000, "requests": 1}, "attrs": {"department": "an-red", "project": "p2", "user": "bob"}}'),
 ('{"provider": "anomco", "model": "am", "request_id": "an-carol-0228", "occurred_at": "2022-02-28T10:00:00Z", "tokens": {"input": 50000, "requests": 1}, "attrs": {"department": "an-blue", "project": "p9", "user": "carol"}}');
SELECT day, org_unit, sum(cost) AS cost FROM daily_spend WHERE provider = 'anomco' AND day >= '2022-02-26'
GROUP BY 1, 2 ORDER BY 1, 2;

-- Detection. (Each recorded event is also sent as NOTIFY chargeback_anomaly {"event_id", "kind"};
-- psql prints a notification with the backend pid, so this file does not LISTEN.)
SELECT detect_anomalies('2022-02-28') AS recorded;
SELECT day, scope, scope_value, org_unit, expected, low, high, actual
FROM spend_anomaly WHERE org_unit LIKE 'an-%' ORDER BY org_unit, scope, scope_value;
-- The cause of the unit's anomaly: bob, project p2 moved.
SELECT jsonb_pretty(cause) FROM spend_anomaly WHERE org_unit = 'an-red' AND scope = 'org_unit';
-- Recorded once: a second run records nothing, and the next day's run neither, while bob
-- goes on spending (the same series, the same direction, within 3 days).
SELECT detect_anomalies('2022-02-28') AS recorded_again;
INSERT INTO usage_inbox (payload) VALUES
 ('{"provider": "anomco", "model": "am", "request_id": "an-bob-0301", "occurred_at": "2022-03-01T11:00:00Z", "tokens": {"input": 400000, "requests": 1}, "attrs": {"department": "an-red", "project": "p2", "user": "bob"}}'),
 ('{"provider": "anomco", "model": "am", "request_id": "an-alice-0301", "occurred_at": "2022-03-01T10:00:00Z", "tokens": {"input": 105000, "requests": 1}, "attrs": {"department": "an-red", "project": "p1", "user": "alice"}}');
SELECT detect_anomalies('2022-03-01') AS recorded_next_day;
-- What 2022-03-01 recorded: an-blue spent nothing that day, a drop in each of its series.
SELECT scope, scope_value, org_unit, expected, actual FROM spend_anomaly
WHERE org_unit LIKE 'an-%' AND day = '2022-03-01' ORDER BY scope, scope_value;
SELECT count(*) AS events, count(DISTINCT (day, scope, scope_value, org_unit_id)) AS distinct_keys
FROM spend_anomaly_event e JOIN org_unit o USING (org_unit_id) WHERE o.code LIKE 'an-%';
SELECT count(*) AS events_high FROM spend_anomaly_event e JOIN org_unit o USING (org_unit_id)
WHERE o.code LIKE 'an-%' AND e.direction = 'high';

-- A viewer of an-blue sees its 4 drops and none of an-red's anomalies; a viewer of an-red
-- sees an-red's only.
CREATE ROLE an_blue NOLOGIN IN ROLE chargeback_viewer;
CREATE ROLE an_red NOLOGIN IN ROLE chargeback_viewer;
SELECT grant_view('an_blue', 'an-blue') AS units, grant_view('an_red', 'an-red') AS units;
SET ROLE an_blue;
SELECT count(*) AS seen FROM spend_anomaly;
SELECT count(*) AS seen FROM spend_anomaly_event;
SET ROLE an_red;
SELECT count(*) > 0 AS seen, bool_and(org_unit = 'an-red') AS only_red FROM spend_anomaly;
SELECT detect_anomalies('2022-02-28');   -- viewers cannot run detection
-- The unit's statement lists the month's anomalies with what moved (bob, project p2).
SELECT (regexp_match(statement_html('2022-02-01', 'an-red'), '<section id="anomalies">.*?</section>'))[1] AS anomalies_section;
SELECT (regexp_match(statement_html('2022-01-01', 'an-red'), '<section id="anomalies">.*?</section>'))[1] AS january;
RESET ROLE;
SELECT revoke_view('an_blue', NULL) + revoke_view('an_red', NULL) AS scopes_removed;
DROP OWNED BY an_blue, an_red;
DROP ROLE an_blue, an_red;
