-- Hostile input: every case is a clear error with the right SQLSTATE, never a crash.
SET search_path = chargeback, public;

CREATE FUNCTION pg_temp.try_ingest(payload jsonb, attrs jsonb DEFAULT '{}', format text DEFAULT 'auto')
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM chargeback.ingest(payload, attrs, format);
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- (The 10 MB payloads below test the parser: the size cap, tested further down, is raised.)
SET chargeback.max_payload_bytes = '16MB';
SELECT label, pg_temp.try_ingest(payload::jsonb, attrs::jsonb, format) AS outcome
FROM (VALUES
    ('not an object',      '"just a string"', '{}', 'auto'),
    ('array of numbers',   '[1, 2, 3]', '{}', 'auto'),
    ('unknown shape',      '{"something": "else"}', '{}', 'auto'),
    ('count is text',      '{"id": "x", "object": "chat.completion", "model": "gpt-4o", "usage": {"prompt_tokens": "many"}}', '{}', 'auto'),
    ('count is an object', '{"id": "x", "object": "chat.completion", "model": "gpt-4o", "usage": {"prompt_tokens": {"a": 1}}}', '{}', 'auto'),
    ('negative count',     '{"id": "x", "object": "chat.completion", "model": "gpt-4o", "usage": {"prompt_tokens": -10, "completion_tokens": 1}}', '{}', 'auto'),
    ('count 1e30',         '{"id": "x", "object": "chat.completion", "model": "gpt-4o", "usage": {"prompt_tokens": 1e30, "completion_tokens": 1}}', '{}', 'auto'),
    ('cached > prompt',    '{"id": "x", "object": "chat.completion", "model": "gpt-4o", "usage": {"prompt_tokens": 10, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 50}}}', '{}', 'auto'),
    ('beyond bigint',      '{"provider": "openai", "model": "gpt-4o", "tokens": {"input": 99999999999999999999}}', '{}', 'auto'),
    ('time in ms',         '{"provider": "openai", "model": "gpt-4o", "tokens": {"input": 1}, "occurred_at": 1754006400000}', '{}', 'auto'),
    ('time as words',      '{"provider": "openai", "model": "gpt-4o", "tokens": {"input": 1}, "occurred_at": "yesterday"}', '{}', 'auto'),
    ('year 1970',          '{"provider": "openai", "model": "gpt-4o", "tokens": {"input": 1}, "occurred_at": "1970-01-01T00:00:00Z"}', '{}', 'auto'),
    ('no provider',        '{"model": "gpt-4o", "tokens": {"input": 1}}', '{}', 'auto'),
    ('no model',           '{"provider": "openai", "tokens": {"input": 1}}', '{}', 'auto'),
    ('bad provider',       '{"provider": "Not A Provider", "model": "m", "tokens": {"input": 1}}', '{}', 'auto'),
    ('bad tier',           '{"provider": "openai", "model": "m", "service_tier": "gold", "tokens": {"input": 1}}', '{}', 'auto'),
    ('unknown class',      '{"provider": "openai", "model": "m", "tokens": {"bogus": 1}}', '{}', 'auto'),
    ('attrs not object',   '{"provider": "openai", "model": "gpt-4o", "tokens": {"input": 1}}', '[1]', 'auto'),
    ('unknown format',     '{"provider": "openai", "model": "gpt-4o", "tokens": {"input": 1}}', '{}', 'carrier_pigeon'),
    ('wrong format named', '{"provider": "openai", "model": "gpt-4o", "tokens": {"input": 1}}', '{}', 'gemini'),
    ('3000 levels deep',   '{"provider": "openai", "model": "m", "tokens": {"input": 1}, "attrs": {"x": ' || repeat('[', 3000) || repeat(']', 3000) || '}}', '{}', 'auto'),
    ('10 MB, bad count',   '{"provider": "openai", "model": "m", "tokens": {"input": "x"}, "attrs": {"blob": "' || repeat('a', 10 * 1024 * 1024) || '"}}', '{}', 'auto'),
    ('10 MB, fine',        '{"provider": "openai", "model": "gpt-4o", "request_id": "big-1", "tokens": {"input": 1}, "attrs": {"blob": "' || repeat('a', 10 * 1024 * 1024) || '"}}', '{}', 'auto')
) t(label, payload, attrs, format);

RESET chargeback.max_payload_bytes;

-- Bounds (a superuser's settings): a payload larger than chargeback.max_payload_bytes, a
-- text that would become a usage column or rollup key longer than its limit, and usage
-- dated further ahead than chargeback.max_future_skew are refused with the value named.
-- (The test cluster allows any future date: this file sets the default back.)
SET chargeback.max_future_skew = '1d';
SHOW chargeback.max_payload_bytes;
SHOW chargeback.max_future_skew;
SELECT label, regexp_replace(pg_temp.try_ingest(payload::jsonb), '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z', '<time>', 'g') AS outcome
FROM (VALUES
    ('2 MB payload',         '{"provider": "openai", "model": "gpt-4o", "tokens": {"input": 1}, "attrs": {"b": "' || repeat('a', 2000000) || '"}}'),
    ('3000-byte project',    '{"provider": "openai", "model": "gpt-4o", "tokens": {"input": 1}, "attrs": {"project": "' || repeat('p', 3000) || '"}}'),
    ('300-byte activity',    '{"provider": "openai", "model": "gpt-4o", "tokens": {"input": 1}, "attrs": {"activity_type": "' || repeat('a', 300) || '"}}'),
    ('600-byte request_id',  '{"provider": "openai", "model": "gpt-4o", "tokens": {"input": 1}, "request_id": "' || repeat('r', 600) || '"}'),
    ('ten years ahead',      '{"provider": "openai", "model": "gpt-4o", "tokens": {"input": 1}, "occurred_at": "' || to_char(now() + interval '10 years', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '"}'),
    ('an hour ahead',        '{"provider": "openai", "model": "gpt-4o", "request_id": "skew-ok", "tokens": {"input": 1}, "occurred_at": "' || to_char(now() AT TIME ZONE 'UTC' + interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '"}')
) t(label, payload);
-- On the bulk path the line is rejected, the rest of the batch lands, and the rejection
-- keeps the first 4 kB of the line.
INSERT INTO chargeback.usage_inbox_text (payload) VALUES
    ('{"provider": "openai", "model": "gpt-4o", "request_id": "cap-big", "tokens": {"input": 1}, "attrs": {"b": "' || repeat('a', 2000000) || '"}}'),
    ('{"provider": "openai", "model": "gpt-4o", "request_id": "cap-long", "tokens": {"input": 1}, "attrs": {"project": "' || repeat('p', 3000) || '"}}'),
    ('{"provider": "openai", "model": "gpt-4o", "request_id": "cap-small", "tokens": {"input": 1}}');
SELECT sqlstate, error, octet_length(payload) AS kept_bytes FROM chargeback.usage_rejected ORDER BY rejected_id DESC LIMIT 2;
SELECT count(*) AS small_one_landed FROM chargeback.usage WHERE request_id = 'cap-small';
SELECT * FROM parse_usage(('{"provider": "openai", "model": "m", "tokens": {"input": 1}, "attrs": {"b": "' || repeat('a', 2000000) || '"}}')::jsonb);
RESET chargeback.max_future_skew;

-- parse_usage is as strict.
SELECT * FROM parse_usage('{"provider": "openai", "model": "m", "tokens": {"bogus": 1}}');
SELECT * FROM parse_usage('{}', 'nope');
-- Nothing above crashed: the session is fine.
SELECT 'still here' AS status;

-- An error message cut to fit (4 kB) ends on a character boundary, never inside one: the
-- text reaches the client and usage_rejected.error.
DO $$
BEGIN
    PERFORM ('{"x' || repeat('é', 3000) || '": 1}')::jsonb::chargeback.token_usage;
EXCEPTION WHEN OTHERS THEN
    PERFORM convert_from(convert_to(SQLERRM, 'UTF8'), 'UTF8');
    RAISE NOTICE 'cut message: % bytes, valid UTF-8', octet_length(SQLERRM);
END $$;
