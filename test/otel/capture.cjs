// Captures what real, unmodified GenAI instrumentations export over OTLP/HTTP JSON, for
// test/t/008_otel.pl and the parser's unit fixtures.
//
//   node capture.cjs OUTDIR          runs every scenario, writes OUTDIR/<scenario>.json
//
// The parent process starts, on 127.0.0.1 (random ports):
//   - a mock OpenAI API (POST /v1/chat/completions) and a mock Anthropic API (POST /v1/messages)
//     answering in the providers' documented shapes, with cached, cache-write and reasoning
//     tokens in the usage (see RESPONSES below: the test computes its expected tokens from them);
//   - an OTLP/HTTP receiver (POST /v1/traces) that keeps every export body as it was sent.
// Then it runs each scenario in a fresh child process (instrumentations patch modules once per
// process): a real SDK client under one instrumentation, exporting through the real
// @opentelemetry/exporter-trace-otlp-http with the SDK's default BatchSpanProcessor. Each call
// runs inside a SERVER span carrying enduser.id (the application's request) and an INTERNAL
// span without it, as an instrumented web application would produce.
//
// OUTDIR/<scenario>.json holds {"scenario", "versions": {package: version}, "exports": [body,..]}
// where each body is one OTLP/JSON export request exactly as received (parsed from its text).
'use strict';

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { fork } = require('node:child_process');

// The usage each mock API reports for every call.
const RESPONSES = {
    openai: {
        model: 'o4-mini-2025-04-16',
        usage: {
            prompt_tokens: 1200,
            completion_tokens: 300,
            total_tokens: 1500,
            prompt_tokens_details: { cached_tokens: 1000, audio_tokens: 0 },
            completion_tokens_details: { reasoning_tokens: 100, audio_tokens: 0 },
        },
        service_tier: 'default',
    },
    anthropic: {
        model: 'claude-sonnet-4-5-20250929',
        usage: {
            input_tokens: 12,
            cache_creation_input_tokens: 3072,
            cache_read_input_tokens: 500,
            cache_creation: { ephemeral_5m_input_tokens: 1024, ephemeral_1h_input_tokens: 2048 },
            output_tokens: 300,
            service_tier: 'priority',
        },
    },
};

// scenario -> what it runs (see runScenario).
const SCENARIOS = {
    'otel-openai': { sdk: 'openai', instrumentation: '@opentelemetry/instrumentation-openai' },
    'traceloop-openai': { sdk: 'openai', instrumentation: '@traceloop/instrumentation-openai' },
    'openinference-openai': { sdk: 'openai', instrumentation: '@arizeai/openinference-instrumentation-openai' },
    // The Anthropic SDK's own tracing (no instrumentation package).
    'anthropic-sdk-1': { sdk: '@anthropic-ai/sdk' },
    'anthropic-sdk-0': { sdk: 'anthropic-sdk-0' },
    // Traceloop patches SDK 0.x; with the SDK's own tracing off there is its span alone, with
    // it on there is a nested pair (Traceloop's span around the SDK's span of the same call).
    'traceloop-anthropic': {
        sdk: 'anthropic-sdk-0',
        instrumentation: '@traceloop/instrumentation-anthropic',
        sdkTracing: false,
    },
    'traceloop-anthropic-nested': { sdk: 'anthropic-sdk-0', instrumentation: '@traceloop/instrumentation-anthropic' },
    'openinference-anthropic': {
        sdk: '@anthropic-ai/sdk',
        instrumentation: '@arizeai/openinference-instrumentation-anthropic',
        sdkTracing: false,
    },
    'openinference-anthropic-nested': {
        sdk: '@anthropic-ai/sdk',
        instrumentation: '@arizeai/openinference-instrumentation-anthropic',
    },
};

function version(pkg) {
    return JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

function listen(handler) {
    return new Promise((resolve) => {
        const server = http.createServer(handler);
        server.listen(0, '127.0.0.1', () => resolve(server));
    });
}

function readBody(req) {
    return new Promise((resolve, reject) => {
        const parts = [];
        req.on('data', (c) => parts.push(c));
        req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
        req.on('error', reject);
    });
}

async function parent(outdir) {
    fs.mkdirSync(outdir, { recursive: true });
    let calls = 0;
    const api = await listen(async (req, res) => {
        const body = await readBody(req);
        const request = body ? JSON.parse(body) : {};
        calls += 1;
        const n = String(calls).padStart(4, '0');
        let answer;
        if (req.url.endsWith('/chat/completions')) {
            const r = RESPONSES.openai;
            answer = {
                id: `chatcmpl-capture${n}`,
                object: 'chat.completion',
                created: 1767225600,
                model: r.model,
                choices: [{ index: 0, message: { role: 'assistant', content: 'ok', refusal: null }, finish_reason: 'stop' }],
                usage: r.usage,
                service_tier: r.service_tier,
            };
        } else if (req.url.endsWith('/messages')) {
            const r = RESPONSES.anthropic;
            answer = {
                id: `msg_capture${n}`,
                type: 'message',
                role: 'assistant',
                model: r.model,
                content: [{ type: 'text', text: 'ok' }],
                stop_reason: 'end_turn',
                stop_sequence: null,
                usage: r.usage,
            };
        } else {
            res.writeHead(404, { 'content-type': 'application/json' });
            res.end('{"error":"not found"}');
            return;
        }
        void request;
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_capture${n}` });
        res.end(JSON.stringify(answer));
    });
    let exports = [];
    const receiver = await listen(async (req, res) => {
        const body = await readBody(req);
        if (req.method === 'POST' && req.url === '/v1/traces') {
            exports.push(JSON.parse(body));
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end('{}');
        } else {
            res.writeHead(404);
            res.end();
        }
    });
    const apiUrl = `http://127.0.0.1:${api.address().port}`;
    const otlpUrl = `http://127.0.0.1:${receiver.address().port}/v1/traces`;
    const only = process.argv.slice(3);
    let failed = 0;
    for (const [name, s] of Object.entries(SCENARIOS)) {
        if (only.length && !only.includes(name)) continue;
        exports = [];
        const code = await new Promise((resolve) => {
            const env = { ...process.env, CAPTURE_API: apiUrl, CAPTURE_OTLP: otlpUrl };
            if (s.sdkTracing === false) env.ANTHROPIC_OPEN_TELEMETRY = 'false';
            const child = fork(__filename, ['--scenario', name], { env, stdio: 'inherit' });
            child.on('exit', (c) => resolve(c));
        });
        const spans = exports.flatMap((e) =>
            (e.resourceSpans || []).flatMap((rs) => (rs.scopeSpans || []).flatMap((ss) => ss.spans || [])));
        const versions = {};
        for (const p of [s.sdk, s.instrumentation, '@opentelemetry/exporter-trace-otlp-http'].filter(Boolean))
            versions[p === 'anthropic-sdk-0' ? '@anthropic-ai/sdk' : p] = version(p);
        fs.writeFileSync(path.join(outdir, `${name}.json`),
                         JSON.stringify({ scenario: name, versions, exports }, null, 1) + '\n');
        console.log(`${name}: exit ${code}, ${exports.length} export(s), ${spans.length} span(s): ` +
                    spans.map((sp) => sp.name).join(', '));
        if (code !== 0 || spans.length === 0) failed += 1;
    }
    api.close();
    receiver.close();
    process.exitCode = failed ? 1 : 0;
}

async function child(name) {
    const s = SCENARIOS[name];
    const api = require('@opentelemetry/api');
    const { TracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace');
    const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
    const { resourceFromAttributes } = require('@opentelemetry/resources');
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');

    api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const exporter = new OTLPTraceExporter({ url: process.env.CAPTURE_OTLP });
    const provider = new TracerProvider({
        resource: resourceFromAttributes({ 'service.name': 'support-bot', 'deployment.environment.name': 'test' }),
        spanProcessors: [new BatchSpanProcessor({ exporter })],
    });
    api.trace.setGlobalTracerProvider(provider);

    // The instrumentation first (it patches the SDK module), then the SDK.
    let instrumentation = null;
    if (s.instrumentation) {
        const m = require(s.instrumentation);
        const Cls = m.OpenAIInstrumentation || m.AnthropicInstrumentation;
        instrumentation = new Cls({});
        if (instrumentation.setTracerProvider) instrumentation.setTracerProvider(provider);
        instrumentation.enable();
    }
    const sdk = require(s.sdk);
    // The require hook patches a module by its package name: the aliased 0.x SDK is patched by hand.
    if (instrumentation && s.sdk === 'anthropic-sdk-0') instrumentation.manuallyInstrument(sdk);

    const tracer = api.trace.getTracer('capture-app');
    await tracer.startActiveSpan('POST /support/chat',
        { kind: api.SpanKind.SERVER, attributes: { 'enduser.id': 'ana@acme.test', 'http.route': '/support/chat' } },
        async (server) => {
            await tracer.startActiveSpan('answer_ticket', async (internal) => {
                if (s.sdk === 'openai') {
                    const OpenAI = sdk.OpenAI || sdk.default || sdk;
                    const client = new OpenAI({ apiKey: 'sk-test-not-a-key', baseURL: process.env.CAPTURE_API + '/v1' });
                    await client.chat.completions.create({
                        model: 'o4-mini',
                        messages: [{ role: 'user', content: 'Hello' }],
                    });
                } else {
                    const Anthropic = sdk.Anthropic || sdk.default || sdk;
                    const client = new Anthropic({ apiKey: 'sk-ant-test-not-a-key', baseURL: process.env.CAPTURE_API });
                    await client.messages.create({
                        model: 'claude-sonnet-4-5',
                        max_tokens: 1024,
                        messages: [{ role: 'user', content: 'Hello' }],
                    });
                }
                internal.end();
            });
            server.end();
        });
    await provider.forceFlush();
    await provider.shutdown();
}

if (process.argv[2] === '--scenario') {
    child(process.argv[3]).catch((e) => {
        console.error(e);
        process.exit(1);
    });
} else if (process.argv[2]) {
    parent(process.argv[2]).catch((e) => {
        console.error(e);
        process.exit(1);
    });
} else {
    console.error('usage: node capture.cjs OUTDIR [scenario ...]');
    process.exit(2);
}
