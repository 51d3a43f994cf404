#!/usr/bin/env bash
# Local only: checks chargeback.focus_1_2 against the mandatory column list of the FinOps
# Foundation's FOCUS 1.2 rule model (focus_validator's model-1.2.json), when a copy of it is
# on this machine. The rules file is not the project's to ship: without it this script skips
# (exit 0) and the project's own checks (sql/focus.sql) still run.
#   test/focus/validate_external.sh [MODEL_JSON] [psql connection options...]
# MODEL_JSON defaults to ../shared/external/focus/model-1.2.json; psql options (-d, -h, ...)
# name a database with pg_chargeback.
set -euo pipefail
model=${1:-$(dirname "$0")/../../../shared/external/focus/model-1.2.json}
shift || true
if [ ! -r "$model" ]; then
    echo "skip: no FOCUS rule model at $model"
    exit 0
fi
# The columns the model's MUST presence rules without applicability criteria name (CostAndUsage-D-*-M),
# and those whose criteria pg_chargeback's data meets (unit prices, usage, sub accounts, tags).
required=$(python3 - "$model" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
met = {'PUBLIC_PRICE_LIST_SUPPORTED', 'UNIT_PRICING_SUPPORTED', 'USAGE_MEASUREMENT_SUPPORTED',
       'SUB_ACCOUNT_SUPPORTED', 'TAGGING_SUPPORTED', 'ACCOUNT_NAMING_SUPPORTED', 'NEGOTIATED_PRICING_SUPPORTED'}
for rid, r in m['ModelRules'].items():
    v = r.get('ValidationCriteria', {})
    req = v.get('Requirement') or {}
    if r.get('Function') != 'Presence' or v.get('Keyword') != 'MUST' or req.get('CheckFunction') != 'ColumnPresent':
        continue
    if not rid.startswith('CostAndUsage-D-'):
        continue
    if set(r.get('ApplicabilityCriteria') or []) <= met:
        print(req['ColumnName'])
PY
)
present=$(psql -X -At "$@" -c "SELECT column_name FROM information_schema.columns WHERE table_schema = 'chargeback' AND table_name = 'focus_1_2'")
missing=0
for c in $required; do
    if ! grep -qx "$c" <<<"$present"; then echo "missing: $c"; missing=1; fi
done
n=$(wc -w <<<"$required")
if [ "$missing" = 0 ]; then echo "ok: focus_1_2 has the $n columns the FOCUS 1.2 model requires of it"; fi
exit $missing
