// Structured outputs through the official TypeScript SDK: node ts_structured_output.cjs BASE_URL
// `messages.parse` and `messages.stream` with `jsonSchemaOutputFormat`; prints what the SDK parsed as JSON.
const sdk = require("@anthropic-ai/sdk");
const { jsonSchemaOutputFormat } = require("@anthropic-ai/sdk/helpers/json-schema");
const Anthropic = sdk.default || sdk;

const schema = {
  type: "object",
  properties: {
    name: { type: "string" },
    age: { type: "integer" },
    email: { type: "string", format: "email" },
    hobbies: { type: "array", items: { type: "string" } },
    status: { type: "string", enum: ["active", "inactive"] },
  },
  required: ["name", "age", "email", "hobbies", "status"],
  additionalProperties: false,
};

async function main(baseURL) {
  const client = new Anthropic({ baseURL, apiKey: "sk-ant-typescript", maxRetries: 0 });
  const request = {
    model: "claude-haiku-4-5",
    max_tokens: 1024,
    messages: [{ role: "user", content: "Extract: Alice is 30 years old and likes chess." }],
    output_config: { format: jsonSchemaOutputFormat(schema) },
  };
  const parsed = await client.messages.parse(request);
  const stream = client.messages.stream(request);
  let deltas = 0;
  stream.on("text", () => { deltas += 1; });
  const final = await stream.finalMessage();
  console.log(JSON.stringify({
    parsed: parsed.parsed_output,
    text: parsed.content[0].text,
    streamed: final.parsed_output,
    deltas,
    sentSchema: request.output_config.format.schema,
  }));
}

main(process.argv[2]).catch((e) => { console.error(e); process.exit(1); });
