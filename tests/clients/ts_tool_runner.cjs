// The TypeScript SDK's beta tool runner with one tool against the mock: node ts_tool_runner.cjs BASE_URL
// (NODE_PATH points at the node_modules where `make ts-sdk` installed @anthropic-ai/sdk). The runner holds
// the conversation in a server-side message thread (`thread: {type: "create"}`, then `"continue"`).
// Prints one JSON document with what it saw, for the Python test to check.
const sdk = require("@anthropic-ai/sdk");
const { betaTool } = require("@anthropic-ai/sdk/helpers/beta/json-schema");
const Anthropic = sdk.default || sdk;

async function main(baseURL) {
  const client = new Anthropic({ baseURL, apiKey: "sk-ant-typescript", maxRetries: 0 });
  const calls = [];
  const weather = betaTool({
    name: "get_weather",
    description: "Get the current weather for a city",
    inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    run: async (input) => {
      calls.push(input);
      return `Sunny, 21°C in ${input.city}`;
    },
  });
  const runner = client.beta.messages.toolRunner({
    model: "claude-haiku-4-5",
    max_tokens: 1024,
    messages: [{ role: "user", content: "What is the weather in Paris?" }],
    tools: [weather],
  });
  const turns = [];
  for await (const message of runner) turns.push({ id: message.id, stop_reason: message.stop_reason, content: message.content });
  console.log(JSON.stringify({ calls, turns }));
}

main(process.argv[2]).catch((e) => { console.error(e && e.stack || e); if (e && e.error) console.error(JSON.stringify(e.error)); process.exit(1); });
