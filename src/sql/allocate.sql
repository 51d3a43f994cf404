-- Largest-remainder shares: allocate() (window) and allocate_agg() (aggregate). Pure and
-- executable by everyone.

-- allocate(total, weight, minor_unit): this row's share of the partition's total, in
-- proportion to weight, rounded to minor_unit by largest remainder so that the partition's
-- shares sum exactly to total. Ties go by the window's ORDER BY. NULL weights take no part
-- (their rows get NULL); when every weight is zero the total is split evenly; a negative
-- total (a credit) is split as the mirror of the positive one.
CREATE FUNCTION chargeback.allocate(total numeric, weight numeric, minor_unit numeric DEFAULT 0.01)
RETURNS numeric
    AS 'MODULE_PATHNAME', 'cb_allocate' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.allocate(numeric, numeric, numeric) IS
    'window function: this row''s share of total by weight, largest-remainder rounded to minor_unit; the partition''s shares sum exactly to total';

CREATE FUNCTION chargeback.allocate_agg_accum(internal, text, numeric, numeric, numeric) RETURNS internal
    AS 'MODULE_PATHNAME', 'cb_allocate_agg_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION chargeback.allocate_agg_accum(internal, text, numeric, numeric) RETURNS internal
    AS 'MODULE_PATHNAME', 'cb_allocate_agg_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION chargeback.allocate_agg_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'cb_allocate_agg_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION chargeback.allocate_agg_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'cb_allocate_agg_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.allocate_agg_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'cb_allocate_agg_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.allocate_agg_final(internal) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cb_allocate_agg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- allocate_agg(key, weight, total, minor_unit) -> {key: amount}: weights of equal keys add
-- up; ties go to the smaller key (byte order), so the result depends neither on input order
-- nor on parallel workers.
CREATE AGGREGATE chargeback.allocate_agg(key text, weight numeric, total numeric, minor_unit numeric) (
    SFUNC = chargeback.allocate_agg_accum,
    STYPE = internal,
    FINALFUNC = chargeback.allocate_agg_final,
    COMBINEFUNC = chargeback.allocate_agg_combine,
    SERIALFUNC = chargeback.allocate_agg_serialize,
    DESERIALFUNC = chargeback.allocate_agg_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE chargeback.allocate_agg(key text, weight numeric, total numeric) (
    SFUNC = chargeback.allocate_agg_accum,
    STYPE = internal,
    FINALFUNC = chargeback.allocate_agg_final,
    COMBINEFUNC = chargeback.allocate_agg_combine,
    SERIALFUNC = chargeback.allocate_agg_serialize,
    DESERIALFUNC = chargeback.allocate_agg_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE chargeback.allocate_agg(text, numeric, numeric, numeric) IS
    '{key: amount}: total split by the summed weight of each key, largest-remainder rounded to minor_unit';
COMMENT ON AGGREGATE chargeback.allocate_agg(text, numeric, numeric) IS
    '{key: amount}: total split by the summed weight of each key, largest-remainder rounded to cents';
