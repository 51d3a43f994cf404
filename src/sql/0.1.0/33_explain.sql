-- Every number explains itself: explain() and reprice().

CREATE FUNCTION chargeback.explain(usage_id bigint) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, chargeback
AS $$
    SELECT jsonb_build_object(
        'usage_id', u.usage_id,
        'request_id', u.request_id,
        'occurred_at', u.occurred_at,
        'period', u.period,
        'provider', u.provider,
        'model', u.model,
        'catalog_model', p.model,
        'service_tier', u.service_tier,
        'source', u.source,
        'status', u.status,
        'tokens', u.tokens::jsonb,
        'owner', jsonb_build_object(
            'org_unit', o.code,
            'name', o.name,
            'cost_center', o.cost_center,
            'project', u.project,
            'principal', u.principal,
            'reason', u.owner_reason,
            'rule', (SELECT jsonb_build_object('rule_id', r.rule_id, 'priority', r.priority, 'match', r.match,
                                               'description', r.description)
                     FROM chargeback.ownership_rule r WHERE r.rule_id = u.owner_rule_id),
            'membership', (SELECT jsonb_build_object('membership_id', m.membership_id, 'valid_from', m.valid_from,
                                                     'valid_to', m.valid_to)
                           FROM chargeback.membership m
                           WHERE u.owner_reason = 'membership' AND m.principal = u.principal
                             AND m.valid_from <= u.occurred_at AND (m.valid_to IS NULL OR m.valid_to > u.occurred_at))),
        'price', CASE WHEN p.price_id IS NULL THEN NULL ELSE jsonb_build_object(
            'price_id', p.price_id, 'model', p.model, 'service_tier', p.service_tier,
            'min_prompt_tokens', p.min_prompt_tokens, 'valid_from', p.valid_from, 'valid_to', p.valid_to,
            'source', p.source, 'rates', p.rates::jsonb) END,
        'lines', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                        'class', c.class, 'tokens', c.n, 'rate', c.rate,
                        'cost', trim_scale(CASE WHEN c.class IN ('requests', 'web_searches') THEN c.n * c.rate
                                                ELSE c.n * c.rate / 1000000 END)) ORDER BY c.ord), '[]'::jsonb)
                  FROM (SELECT k.class, k.ord, chargeback.tokens(u.tokens, k.class) AS n,
                               chargeback.rate(p.rates, k.class) AS rate
                        FROM unnest(ARRAY['input', 'cache_read', 'cache_write', 'cache_write_1h', 'output',
                                          'reasoning', 'audio_input', 'audio_output', 'image_input',
                                          'image_output', 'requests', 'web_searches']) WITH ORDINALITY AS k(class, ord)) c
                  WHERE c.n <> 0 AND p.price_id IS NOT NULL),
        'list_cost', u.list_cost,
        'cost', u.cost,
        'currency', u.currency)
    FROM chargeback.usage u
    JOIN chargeback.org_unit o ON o.org_unit_id = u.org_unit_id
    LEFT JOIN chargeback.price p ON p.price_id = u.price_id
    WHERE u.usage_id = explain.usage_id
$$;
COMMENT ON FUNCTION chargeback.explain(bigint) IS
    'why a usage row costs what it costs and who owns it: owner and reason/rule, price row, rates, cost per class';

-- reprice: prices usage in [since, until) again from the current catalog (after a fix, a
-- new alias, a corrected row). Returns the number of rows whose price changed.
CREATE FUNCTION chargeback.reprice(since timestamptz, until timestamptz) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    changed bigint;
BEGIN
    WITH fresh AS (
        SELECT u.usage_id, u.period,
               chargeback.price_id_for(u.provider, u.model, u.occurred_at, u.service_tier,
                                       chargeback.prompt_tokens(u.tokens)) AS price_id
        FROM chargeback.usage u
        WHERE u.occurred_at >= reprice.since AND u.occurred_at < reprice.until
          -- closed months are frozen: their final run already billed these rows
          AND NOT EXISTS (SELECT 1 FROM chargeback.period c WHERE c.period = u.period AND c.status = 'closed')
    ), priced AS (
        SELECT f.usage_id, f.period, f.price_id, p.rates
        FROM fresh f LEFT JOIN chargeback.price p ON p.price_id = f.price_id
    )
    UPDATE chargeback.usage u
       SET price_id = q.price_id,
           list_cost = chargeback.cost(u.tokens, q.rates),
           cost = chargeback.cost(u.tokens, q.rates),
           currency = chargeback.currency(q.rates),
           status = CASE WHEN q.price_id IS NULL THEN 'unpriced' ELSE 'priced' END
      FROM priced q
     WHERE u.usage_id = q.usage_id AND u.period = q.period
       AND (u.price_id IS DISTINCT FROM q.price_id OR u.list_cost IS DISTINCT FROM chargeback.cost(u.tokens, q.rates));
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END
$$;
COMMENT ON FUNCTION chargeback.reprice(timestamptz, timestamptz) IS
    'prices the usage of [since, until) again from the current catalog; returns the number of rows changed';
