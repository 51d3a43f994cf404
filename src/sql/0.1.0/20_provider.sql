-- Provider and service-tier names as the price catalog stores them.

CREATE FUNCTION chargeback.normalize_provider(text) RETURNS text
    AS 'MODULE_PATHNAME', 'cb_normalize_provider' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.normalize_provider(text) IS
    'lower-case provider name; OpenTelemetry and LiteLLM names map onto openai, anthropic, google, bedrock, azure, ...';
CREATE FUNCTION chargeback.normalize_service_tier(text) RETURNS text
    AS 'MODULE_PATHNAME', 'cb_normalize_service_tier' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.normalize_service_tier(text) IS
    'standard, batch, flex or priority (OpenAI default/auto and Bedrock on_demand are standard)';
