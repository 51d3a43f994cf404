-- The C++/PostgreSQL boundary: an error raised 50 C++ frames deep, or raised by PostgreSQL
-- inside C++, arrives as an ordinary SQL error with its SQLSTATE, DETAIL and HINT; a
-- PL/pgSQL EXCEPTION block catches it; every C++ destructor ran; the session stays usable.

-- The error as a client sees it.
SELECT chargeback.selftest_boundary('core_error');
SELECT chargeback.selftest_boundary('pg_error');
SELECT chargeback.selftest_boundary('bad_alloc');

-- Caught by PL/pgSQL, with the right SQLSTATE each time.
DO $$
DECLARE
    mode text;
    state text;
    msg text;
BEGIN
    FOREACH mode IN ARRAY ARRAY['core_error', 'pg_error', 'bad_alloc', 'std_exception'] LOOP
        BEGIN
            PERFORM chargeback.selftest_boundary(mode);
            RAISE NOTICE '% was not raised', mode;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
            RAISE NOTICE '% -> SQLSTATE % (%)', mode, state, msg;
        END;
    END LOOP;
END
$$;

-- A bad literal is an error thrown from deep inside the core parser: caught the same way.
DO $$
BEGIN
    PERFORM 'input=1 cache_raed=2'::chargeback.token_usage;
EXCEPTION WHEN invalid_text_representation THEN
    RAISE NOTICE 'caught 22P02 from the token_usage parser';
END
$$;

-- A long C++ loop honours cancellation: the guard lets PostgreSQL raise its own error once
-- the C++ frames are gone ('spin' loops with live objects until cancelled).
SET statement_timeout = '200ms';
SELECT chargeback.selftest_boundary('spin');
RESET statement_timeout;

-- No C++ object outlived its frame: every destructor ran during unwinding.
SELECT chargeback.selftest_boundary('live') AS leaked_objects;
-- The session is still usable, the C++ side too.
SELECT chargeback.selftest_boundary('depth') AS frames;
SELECT 'input=1'::chargeback.token_usage AS still_works;
