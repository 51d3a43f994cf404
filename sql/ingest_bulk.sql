-- The bulk path: COPY JSON lines into usage_inbox; every row is ingested in the same
-- statement, a row that cannot be goes to usage_rejected, and the rest of the batch lands.
SET search_path = chargeback, public;
SET timezone = 'UTC';

CREATE TEMP TABLE before_bulk AS SELECT coalesce(max(usage_id), 0) AS last_id FROM usage;

-- 7 lines: 4 good ones (one of them repeated), a canonical row with a negative count, a
-- payload of unknown shape, and an envelope with an unknown format name.
COPY usage_inbox (payload) FROM stdin;
{"provider": "openai", "model": "gpt-4o-2024-08-06", "request_id": "bulk-1", "occurred_at": "2026-01-10T09:00:00Z", "tokens": {"input": 1000, "cache_read": 2000, "output": 300, "requests": 1}, "attrs": {"app": "support-bot"}}
{"provider": "anthropic", "model": "claude-haiku-4-5-20251001", "request_id": "bulk-2", "occurred_at": "2026-02-20T09:00:00Z", "tokens": {"input": 5000, "output": 700, "requests": 1}, "attrs": {"api_key": "key_mkt_1"}}
{"provider": "google", "model": "gemini-2.5-pro", "request_id": "bulk-3", "occurred_at": "2026-03-31T23:59:59Z", "tokens": {"input": 210000, "output": 1000, "requests": 1}, "attrs": {"user": "ana@acme.test"}}
{"provider": "openai", "model": "gpt-4o-2024-08-06", "request_id": "bulk-1", "occurred_at": "2026-01-10T09:00:00Z", "tokens": {"input": 1000, "cache_read": 2000, "output": 300, "requests": 1}, "attrs": {"app": "support-bot"}}
{"provider": "openai", "model": "gpt-4o", "tokens": {"input": -5}}
{"hello": "world"}
{"format": "smoke_signals", "response": {"usage": {}}}
\.

-- Hand costs: gpt-4o (1000*2.5 + 2000*1.25 + 300*10)/1e6 = 0.008; claude-haiku-4-5
-- (5000*1 + 700*5)/1e6 = 0.0085; gemini-2.5-pro with a 210000-token prompt takes the
-- long-context row (210000*2.5 + 1000*15)/1e6 = 0.54.
SELECT u.request_id, u.period, o.code AS owner, u.project, u.owner_reason, u.tokens, u.list_cost
FROM usage u JOIN org_unit o USING (org_unit_id), before_bulk b
WHERE u.usage_id > b.last_id ORDER BY u.request_id;
SELECT payload, sqlstate, error FROM usage_rejected ORDER BY rejected_id;
SELECT request_id, source FROM usage_duplicate WHERE request_id LIKE 'bulk-%';

-- Any month is accepted without DDL: its partition is made on the way (each row lands in
-- the partition of its month; other tests may have made others, such as the current month's).
SELECT DISTINCT u.tableoid::regclass AS partition, u.period FROM usage u, before_bulk b
WHERE u.usage_id > b.last_id ORDER BY u.period;

-- Raw text lines go through usage_inbox_text: even a line that is not JSON is rejected, not fatal.
COPY usage_inbox_text (payload) FROM stdin;
{"provider": "openai", "model": "gpt-4o-mini", "request_id": "text-1", "occurred_at": "2026-01-11T10:00:00Z", "tokens": {"input": 100}}
this is not json
\.
SELECT request_id, list_cost FROM usage WHERE request_id = 'text-1';
SELECT payload, sqlstate, error FROM usage_rejected WHERE payload = 'this is not json';

-- INSERT works like COPY, with attrs and format columns.
INSERT INTO usage_inbox (payload, attrs, format) VALUES
    ('{"id": "msg_bulk_4", "type": "message", "model": "claude-sonnet-4-5", "usage": {"input_tokens": 10, "output_tokens": 20}}',
     '{"department": "engineering", "activity_type": "pull_request", "activity_id": "PR-77"}', 'anthropic_messages');
SELECT o.code AS owner, u.owner_reason, u.activity_type, u.activity_id, u.occurred_at = u.ingested_at AS took_ingest_time
FROM usage u JOIN org_unit o USING (org_unit_id) WHERE request_id = 'msg_bulk_4';

-- A statement that fails leaves nothing behind: the first line was buffered when the
-- second failed COPY's own JSON check; the next statement must not write it.
COPY usage_inbox (payload) FROM stdin;
{"provider": "openai", "model": "gpt-4o", "request_id": "leak-1", "tokens": {"input": 1}}
{not json
\.
INSERT INTO usage_inbox (payload) VALUES ('{"provider": "openai", "model": "gpt-4o", "request_id": "after-leak", "tokens": {"input": 1}}');
SELECT request_id FROM usage WHERE request_id IN ('leak-1', 'after-leak');
BEGIN;
INSERT INTO usage_inbox (payload) VALUES ('{"provider": "openai", "model": "gpt-4o", "request_id": "rolled-back", "tokens": {"input": 1}}');
SELECT count(*) AS inside FROM usage WHERE request_id = 'rolled-back';
ROLLBACK;
SELECT count(*) AS after_rollback FROM usage WHERE request_id = 'rolled-back';

-- COPY's text format reads a backslash as an escape: caf\u00e9 would arrive as cafu00e9 and
-- a \" would fail the whole COPY. JSON lines go in unchanged with CSV options whose quote and
-- delimiter never occur in JSON (docs/formats.md; chargeback load escapes them itself).
COPY usage_inbox (payload) FROM stdin WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02');
{"provider": "openai", "model": "gpt-4o-mini", "request_id": "csv-1", "occurred_at": "2026-01-12T10:00:00Z", "tokens": {"input": 100}, "attrs": {"project": "caf\u00e9 \"quoted\" \\ back\tslash"}}
\.
SELECT project FROM usage WHERE request_id = 'csv-1';
