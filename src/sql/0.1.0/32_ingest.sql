-- Ingestion: parse_usage(), ingest(), and the bulk path through the usage_inbox views.

CREATE FUNCTION chargeback.period_of(at timestamptz) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT (date_trunc('month', at, coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC'))
            AT TIME ZONE coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC'))::date
$$;
COMMENT ON FUNCTION chargeback.period_of(timestamptz) IS
    'the accounting month of a time, in the chargeback.timezone setting (default UTC)';

CREATE FUNCTION chargeback.parse_usage(payload jsonb, format text DEFAULT 'auto',
    OUT provider text, OUT model text, OUT occurred_at timestamptz, OUT request_id text,
    OUT service_tier text, OUT tokens chargeback.token_usage, OUT attrs jsonb)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'cb_parse_usage' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.parse_usage(jsonb, text) IS
    'the usage rows a provider payload, canonical row or envelope holds (pure: nothing is stored)';

CREATE FUNCTION chargeback.ingest(payload jsonb, attrs jsonb DEFAULT '{}', format text DEFAULT 'auto')
RETURNS bigint
    AS 'MODULE_PATHNAME', 'cb_ingest' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION chargeback.ingest(jsonb, jsonb, text) IS
    'parse, price, attribute and store one payload; returns its usage_id (the recorded one for a repeated request)';

-- The bulk path: COPY JSON lines into usage_inbox (or raw text lines into usage_inbox_text,
-- where even invalid JSON lands in usage_rejected). Nothing is stored in the views: each row
-- is ingested in the same statement, or rejected with its reason. The payload column is
-- json rather than jsonb: COPY only validates it and hands the text on, instead of building a
-- jsonb tree that would be turned back into text at once (jsonb values still insert fine).
CREATE VIEW chargeback.usage_inbox AS
    SELECT NULL::json AS payload, NULL::jsonb AS attrs, NULL::text AS format WHERE false;
ALTER VIEW chargeback.usage_inbox ALTER COLUMN format SET DEFAULT 'auto';
COMMENT ON VIEW chargeback.usage_inbox IS
    'COPY or INSERT usage payloads here: each row is ingested in the same statement, or lands in usage_rejected';
CREATE VIEW chargeback.usage_inbox_text AS
    SELECT NULL::text AS payload, NULL::jsonb AS attrs, NULL::text AS format WHERE false;
ALTER VIEW chargeback.usage_inbox_text ALTER COLUMN format SET DEFAULT 'auto';
COMMENT ON VIEW chargeback.usage_inbox_text IS
    'like usage_inbox for raw text lines: a line that is not JSON is rejected instead of failing the COPY';

CREATE FUNCTION chargeback.usage_inbox_insert() RETURNS trigger
    AS 'MODULE_PATHNAME', 'cb_usage_inbox_insert' LANGUAGE C;
CREATE FUNCTION chargeback.usage_inbox_flush() RETURNS trigger
    AS 'MODULE_PATHNAME', 'cb_usage_inbox_flush' LANGUAGE C;
CREATE TRIGGER usage_inbox_insert INSTEAD OF INSERT ON chargeback.usage_inbox
    FOR EACH ROW EXECUTE FUNCTION chargeback.usage_inbox_insert();
CREATE TRIGGER usage_inbox_flush AFTER INSERT ON chargeback.usage_inbox
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_inbox_flush();
CREATE TRIGGER usage_inbox_insert INSTEAD OF INSERT ON chargeback.usage_inbox_text
    FOR EACH ROW EXECUTE FUNCTION chargeback.usage_inbox_insert();
CREATE TRIGGER usage_inbox_flush AFTER INSERT ON chargeback.usage_inbox_text
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_inbox_flush();
