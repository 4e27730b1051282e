// Smoke test of the official TypeScript SDK against the mock: node ts_sdk_smoke.cjs BASE_URL
// (NODE_PATH points at the node_modules where `make ts-sdk` installed @anthropic-ai/sdk).
// Prints one JSON document with what the SDK returned, for the Python test to check.
const sdk = require("@anthropic-ai/sdk");
const Anthropic = sdk.default || sdk;

async function main(baseURL) {
  const client = new Anthropic({ baseURL, apiKey: "sk-ant-typescript", maxRetries: 0 });
  const request = { model: "claude-haiku-4-5", max_tokens: 1024, messages: [{ role: "user", content: "Hello, Claude" }] };
  const created = await client.messages.create(request);
  const stream = client.messages.stream(request);
  const events = [];
  let streamed = "";
  stream.on("streamEvent", (event) => events.push(event.type));
  stream.on("text", (text) => { streamed += text; });
  const final = await stream.finalMessage();
  let error = null;
  try {
    await client.messages.create({ ...request, model: "claude-nonexistent" });
  } catch (e) {
    error = { name: e.constructor.name, status: e.status, message: e.error && e.error.error && e.error.error.message };
  }
  console.log(JSON.stringify({ created, streamed, final, events, error }));
}

main(process.argv[2]).catch((e) => { console.error(e); process.exit(1); });
