// Portkey's open-source AI gateway (@portkey-ai/gateway, from npm) in front of a mock of the
// OpenAI API on 127.0.0.1, with `chargeback serve`'s /v1/authorize as its webhook guardrail
// before the request (deny: true) and after it (the response is recorded as usage). Run by
// test/t/009_serve.pl:
//   node portkey_gateway.cjs --authorize http://127.0.0.1:PORT/v1/authorize --token T --department D --run ID
// Sends a request whose max_tokens a block budget cannot hold, then a small one, and prints one
// JSON line: {"denied_status", "denied_reason", "allowed_status", "upstream_calls_after_denied",
// "upstream_calls_after_allowed", "response_id", "error"}.
'use strict';
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const run = args.run || String(process.pid);

let upstream = 0;
const mock = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
        upstream += 1;
        res.writeHead(200, {'content-type': 'application/json'});
        res.end(JSON.stringify({id: `chatcmpl-pk-${run}-${upstream}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000),
                                model: 'gpt-4o-mini-2024-07-18',
                                choices: [{index: 0, message: {role: 'assistant', content: 'ok'}, finish_reason: 'stop'}],
                                usage: {prompt_tokens: 20, completion_tokens: 5, total_tokens: 25}}));
    });
});

function freePort() {
    return new Promise((resolve) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });
}

async function main() {
    await new Promise((resolve) => mock.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    const gatewayMain = path.join(path.dirname(require.resolve('@portkey-ai/gateway/package.json')), 'build', 'start-server.js');
    const gateway = spawn(process.execPath, [gatewayMain, `--port=${port}`, '--headless'], {stdio: ['ignore', 'ignore', 'pipe']});
    let gatewayErr = '';
    gateway.stderr.on('data', (d) => { gatewayErr += d; });
    const out = {error: null};
    try {
        for (let i = 0; ; i++) {  // wait for the gateway to listen (bounded)
            const up = await new Promise((resolve) => { const c = net.connect(port, '127.0.0.1', () => { c.end(); resolve(true); }); c.on('error', () => resolve(false)); });
            if (up) break;
            if (i > 150) throw new Error('the gateway did not start: ' + gatewayErr);
            await new Promise((r) => setTimeout(r, 100));
        }
        const hook = (id) => ({type: 'guardrail', id, deny: true, checks: [{id: 'default.webhook',
            parameters: {webhookURL: args.authorize, headers: {Authorization: `Bearer ${args.token}`}, timeout: 10000}}]});
        const config = {provider: 'openai', api_key: 'sk-test', custom_host: `http://127.0.0.1:${mock.address().port}/v1`,
                        before_request_hooks: [hook('chargeback-authorize')], after_request_hooks: [hook('chargeback-record')]};
        const send = (maxTokens) => fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {method: 'POST',
            headers: {'content-type': 'application/json', 'x-portkey-config': JSON.stringify(config),
                      'x-portkey-metadata': JSON.stringify({_user: 'portkey-user', department: args.department})},
            body: JSON.stringify({model: 'gpt-4o-mini', messages: [{role: 'user', content: 'hello'}], max_tokens: maxTokens})});
        const denied = await send(1000000);
        out.denied_status = denied.status;
        const deniedBody = await denied.json().catch(() => ({}));
        const check = deniedBody?.hook_results?.before_request_hooks?.[0]?.checks?.[0]?.data;
        out.denied_reason = check?.explanation ?? null;  // Portkey does not pass the webhook's answer on
        out.upstream_calls_after_denied = upstream;
        const allowed = await send(50);
        out.allowed_status = allowed.status;
        const body = await allowed.json().catch(() => ({}));
        out.response_id = body.id || null;
        out.upstream_calls_after_allowed = upstream;
    } catch (e) {
        out.error = String(e && e.stack || e);
    }
    gateway.kill();
    mock.close();
    process.stdout.write(JSON.stringify(out) + '\n');
    process.exit(out.error ? 1 : 0);
}
main();
