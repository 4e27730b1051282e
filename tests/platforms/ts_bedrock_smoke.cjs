// Smoke test of @anthropic-ai/bedrock-sdk against the mock's Bedrock routes: node ts_bedrock_smoke.cjs BASE_URL
// (NODE_PATH points at the node_modules where `make ts-sdk` installed the SDKs). SigV4 with dummy AWS
// credentials; prints one JSON document with what the SDK returned, for the Python test to check.
const bedrock = require("@anthropic-ai/bedrock-sdk");
const AnthropicBedrock = bedrock.AnthropicBedrock || bedrock.default;

async function main(baseURL) {
  const client = new AnthropicBedrock({
    baseURL,
    awsAccessKey: "AKIDTYPESCRIPT",
    awsSecretKey: "any-secret",
    awsRegion: "us-east-1",
    maxRetries: 0,
  });
  const request = {
    model: "anthropic.claude-haiku-4-5-20251001-v1:0",
    max_tokens: 1024,
    messages: [{ role: "user", content: "Hello, Claude" }],
    anthropic_version: "bedrock-2023-05-31", // Haiku 4.5 predates Claude 4.7 (docs/how-to/bedrock.md)
  };
  const created = await client.messages.create(request);
  const stream = client.messages.stream(request);
  const events = [];
  let streamed = "";
  stream.on("streamEvent", (event) => events.push(event.type));
  stream.on("text", (text) => { streamed += text; });
  const final = await stream.finalMessage();
  let error = null;
  try {
    await client.messages.create({ ...request, model: "anthropic.claude-nonexistent-v1:0" });
  } catch (e) {
    error = { name: e.constructor.name, status: e.status, message: e.error && e.error.message };
  }
  console.log(JSON.stringify({ created, streamed, final, events, error }));
}

main(process.argv[2]).catch((e) => { console.error(e); process.exit(1); });
