// Turns captures of capture.cjs into the parser's unit-test fixtures:
//   node fixtures.cjs CAPTUREDIR ../fixtures/otlp
// writes ../fixtures/otlp/captured_<scenario>.json: the first export body of each scenario,
// exactly as sent except that message content (prompts, completions: the mock's "Hello" and
// "ok") is dropped, with the package versions in a top-level "_captured" member (ignored by
// the parser). Nothing secret is in a capture: the API keys are fake and are not exported.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const CONTENT = /^(input\.value|output\.value|llm\.(input|output)_messages\.|gen_ai\.(input|output)\.messages|gen_ai\.system_instructions|llm\.invocation_parameters)/;
const [, , from, to] = process.argv;
if (!from || !to) {
    console.error('usage: node fixtures.cjs CAPTUREDIR FIXTUREDIR');
    process.exit(2);
}
for (const file of fs.readdirSync(from).filter((f) => f.endsWith('.json')).sort()) {
    const capture = JSON.parse(fs.readFileSync(path.join(from, file), 'utf8'));
    const body = capture.exports[0];
    for (const rs of body.resourceSpans)
        for (const ss of rs.scopeSpans)
            for (const span of ss.spans) span.attributes = span.attributes.filter((a) => !CONTENT.test(a.key));
    const out = { _captured: capture.versions, ...body };
    const name = 'captured_' + capture.scenario.replace(/-/g, '_') + '.json';
    fs.writeFileSync(path.join(to, name), JSON.stringify(out, null, 1) + '\n');
    console.log(name);
}
