-- Diagnostics.

CREATE FUNCTION chargeback.selftest_boundary(mode text) RETURNS integer
    AS 'MODULE_PATHNAME', 'cb_selftest_boundary' LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.selftest_boundary(text) IS
    'raises an error from 50 C++ frames deep (core_error, pg_error, bad_alloc, std_exception) to prove the C++/PostgreSQL boundary; live returns C++ objects leaked by earlier errors (always 0)';
