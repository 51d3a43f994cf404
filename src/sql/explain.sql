-- Every number explains itself: explain() traces a usage row to its owner, rule, price row
-- and cost per class.

CREATE FUNCTION chargeback.explain(usage_id bigint) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, chargeback, pg_temp
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
        'currency', u.currency,
        'reported_cost', u.reported_cost)
    FROM chargeback.usage u
    JOIN chargeback.org_unit o ON o.org_unit_id = u.org_unit_id
    LEFT JOIN chargeback.price p ON p.price_id = u.price_id
    WHERE u.usage_id = explain.usage_id
$$;
COMMENT ON FUNCTION chargeback.explain(bigint) IS
    'why a usage row costs what it costs and who owns it: owner and reason/rule, price row, rates, cost per class, and the cost the provider reported (NULL when none)';
