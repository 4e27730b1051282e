// Smoke test of the TypeScript platform clients against the mock: node ts_platforms_smoke.cjs BASE_URL
// (NODE_PATH points at the node_modules where `make ts-platforms` installed @anthropic-ai/vertex-sdk and
// @anthropic-ai/foundry-sdk). Prints one JSON document with what the clients returned, for the Python test.
const { AnthropicVertex } = require("@anthropic-ai/vertex-sdk");
const { AnthropicFoundry } = require("@anthropic-ai/foundry-sdk");

// The Vertex client takes its token from google-auth-library; an authClient stands in for it (no network).
const authClient = {
  projectId: "mockclaude-project",
  getRequestHeaders: async () => new Headers({ Authorization: "Bearer ya29.mockclaude" }),
};

async function exercise(client, model) {
  const request = { model, max_tokens: 1024, messages: [{ role: "user", content: "Hello, Claude" }] };
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
    error = { name: e.constructor.name, status: e.status, body: e.error };
  }
  return { created, streamed, final, events, error };
}

async function main(base) {
  const vertex = new AnthropicVertex({ baseURL: `${base}/v1`, region: "us-east5", projectId: "mockclaude-project", authClient, maxRetries: 0 });
  const foundry = new AnthropicFoundry({ baseURL: `${base}/anthropic/`, apiKey: "foundry-key", maxRetries: 0 });
  const out = { vertex: await exercise(vertex, "claude-haiku-4-5"), foundry: await exercise(foundry, "claude-haiku-4-5") };
  out.vertex.counted = await vertex.messages.countTokens({ model: "claude-haiku-4-5@20251001", messages: [{ role: "user", content: "Hello, Claude" }] });
  console.log(JSON.stringify(out));
}

main(process.argv[2]).catch((e) => { console.error(e); process.exit(1); });
