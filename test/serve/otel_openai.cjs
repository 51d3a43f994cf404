// The official openai SDK, instrumented by @opentelemetry/instrumentation-openai, calls a mock
// of the OpenAI API on 127.0.0.1; the spans go to `chargeback serve` through the stock OTLP/HTTP
// exporter (JSON or protobuf). Run by test/t/009_serve.pl with the Node 22 that package.json
// installs locally:
//   node otel_openai.cjs --endpoint http://127.0.0.1:PORT/v1/traces --encoding json|proto
//        [--token T] [--calls N] [--run ID] [--user U] [--service S] [--department D]
// Prints one JSON line: {"encoding", "exported", "error", "response_ids", "spans"}.
'use strict';
const http = require('node:http');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const encoding = args.encoding || 'json';
const calls = Number(args.calls || 2);
const run = args.run || String(process.pid);

const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');
const { OTLPTraceExporter } =
    encoding === 'proto' ? require('@opentelemetry/exporter-trace-otlp-proto') : require('@opentelemetry/exporter-trace-otlp-http');

const resource = {'service.name': args.service || 'support-bot', 'deployment.environment.name': 'test'};
if (args.user) resource['enduser.id'] = args.user;
if (args.department) resource['chargeback.department'] = args.department;
// Spans are collected in memory, then sent with the real exporter, whose result we report.
const memory = new InMemorySpanExporter();
const provider = new NodeTracerProvider({resource: resourceFromAttributes(resource),
                                         spanProcessors: [new SimpleSpanProcessor(memory)]});
provider.register();
registerInstrumentations({instrumentations: [new OpenAIInstrumentation()]});
const OpenAI = require('openai');  // after the instrumentation, which patches it on load

// The mock: the Chat Completions shape with usage, a fresh response id per call.
let served = 0;
const mock = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
        const request = JSON.parse(body || '{}');
        served += 1;
        res.writeHead(200, {'content-type': 'application/json'});
        res.end(JSON.stringify({
            id: `chatcmpl-${run}-${encoding}-${served}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000),
            model: `${request.model}-2024-07-18`,
            choices: [{index: 0, message: {role: 'assistant', content: 'ok'}, finish_reason: 'stop'}],
            usage: {prompt_tokens: 1200, completion_tokens: 300, total_tokens: 1500}}));
    });
});

async function main() {
    await new Promise((resolve) => mock.listen(0, '127.0.0.1', resolve));
    const client = new OpenAI({apiKey: 'sk-test', baseURL: `http://127.0.0.1:${mock.address().port}/v1`, maxRetries: 0});
    const ids = [];
    for (let i = 0; i < calls; i++) {
        const r = await client.chat.completions.create({model: 'gpt-4o-mini', messages: [{role: 'user', content: 'hi'}]});
        ids.push(r.id);
    }
    await provider.forceFlush();
    const spans = memory.getFinishedSpans();
    const headers = args.token ? {Authorization: `Bearer ${args.token}`} : {};
    const exporter = new OTLPTraceExporter({url: args.endpoint, headers});
    const result = await new Promise((resolve) => exporter.export(spans, resolve));
    await exporter.shutdown();
    mock.close();
    const out = {encoding, exported: result.code === 0, error: result.error ? String(result.error.message || result.error) : null,
                 response_ids: ids, spans: spans.length};
    process.stdout.write(JSON.stringify(out) + '\n');
    process.exit(out.exported ? 0 : 1);
}
main().catch((e) => { process.stdout.write(JSON.stringify({encoding, exported: false, error: String(e && e.stack || e)}) + '\n'); process.exit(1); });
