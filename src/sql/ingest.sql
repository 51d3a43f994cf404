-- Ingestion: parse_usage(), ingest(), and the bulk path through the usage_inbox views.

-- The accounting calendar has one home (src/pg/calendar.cpp): the usage writer books usage
-- into period_of(occurred_at), the budget trigger and the rollup count it on
-- day_of(occurred_at), and SQL calls the same C functions.
CREATE FUNCTION chargeback.accounting_timezone() RETURNS text
    AS 'MODULE_PATHNAME', 'cb_accounting_timezone' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.accounting_timezone() IS
    'the time zone of accounting periods: the chargeback.timezone setting (a superuser''s), UTC by default';
CREATE FUNCTION chargeback.period_of(at timestamptz) RETURNS date
    AS 'MODULE_PATHNAME', 'cb_period_of' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.period_of(timestamptz) IS
    'the accounting month of a time, in the chargeback.timezone setting (default UTC)';
CREATE FUNCTION chargeback.day_of(at timestamptz) RETURNS date
    AS 'MODULE_PATHNAME', 'cb_day_of' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.day_of(timestamptz) IS 'the calendar day of a time in the chargeback.timezone setting (default UTC)';

CREATE FUNCTION chargeback.parse_usage(payload jsonb, format text DEFAULT 'auto',
    OUT provider text, OUT model text, OUT occurred_at timestamptz, OUT request_id text,
    OUT service_tier text, OUT tokens chargeback.token_usage, OUT attrs jsonb)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'cb_parse_usage' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.parse_usage(jsonb, text) IS
    'the usage rows a provider payload, canonical row or envelope holds (pure: nothing is stored)';

CREATE FUNCTION chargeback.ingest(payload jsonb, attrs jsonb DEFAULT '{}', format text DEFAULT 'auto')
RETURNS bigint
    AS 'MODULE_PATHNAME', 'cb_ingest' LANGUAGE C VOLATILE PARALLEL UNSAFE
    SECURITY DEFINER SET search_path = pg_catalog, chargeback, pg_temp;
COMMENT ON FUNCTION chargeback.ingest(jsonb, jsonb, text) IS
    'parse, price, attribute and store one payload; returns the usage_id of its first recorded row in payload order (the recorded one for a repeated request, NULL when it holds no usage); parse_usage() lists every row, usage_inbox records them all; bad spans of an OTLP export go to usage_rejected';

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
    AS 'MODULE_PATHNAME', 'cb_usage_inbox_flush' LANGUAGE C
    SECURITY DEFINER SET search_path = pg_catalog, chargeback, pg_temp;
CREATE TRIGGER usage_inbox_insert INSTEAD OF INSERT ON chargeback.usage_inbox
    FOR EACH ROW EXECUTE FUNCTION chargeback.usage_inbox_insert();
CREATE TRIGGER usage_inbox_flush AFTER INSERT ON chargeback.usage_inbox
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_inbox_flush();
CREATE TRIGGER usage_inbox_insert INSTEAD OF INSERT ON chargeback.usage_inbox_text
    FOR EACH ROW EXECUTE FUNCTION chargeback.usage_inbox_insert();
CREATE TRIGGER usage_inbox_flush AFTER INSERT ON chargeback.usage_inbox_text
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_inbox_flush();

-- The accounting periods usage is booked into. Each ingest batch holds its periods' rows
-- FOR SHARE until commit, so close_period() (FOR UPDATE) waits for in-flight ingests and
-- its final run sees them; a batch that arrives after a close books into the next open
-- month. Under REPEATABLE READ a concurrent close makes the batch fail with 40001 (retry).
CREATE FUNCTION chargeback.book_periods(periods date[], OUT natural_period date, OUT booked_period date)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    p date;
    b date;
    st text;
    steps integer;
BEGIN
    FOREACH p IN ARRAY periods LOOP
        b := p;
        steps := 0;
        LOOP
            INSERT INTO chargeback.period AS t (period) VALUES (b) ON CONFLICT DO NOTHING;
            SELECT t.status INTO st FROM chargeback.period t WHERE t.period = b FOR SHARE;
            EXIT WHEN st = 'open';
            b := (b + interval '1 month')::date;
            steps := steps + 1;
            IF steps > 1200 THEN
                RAISE EXCEPTION USING ERRCODE = 'program_limit_exceeded',
                    MESSAGE = format('no open accounting period within 100 years after %s', p);
            END IF;
        END LOOP;
        PERFORM chargeback.ensure_partitions(b, b);
        natural_period := p;
        booked_period := b;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION chargeback.book_periods(date[]) IS
    'the open period each usage month is booked into (itself, or the next open month when it is closed); locks them until commit';
