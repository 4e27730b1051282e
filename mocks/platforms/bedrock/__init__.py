"""Amazon Bedrock on the one pipeline: InvokeModel and Converse, streamed as AWS event-stream frames,
with Bedrock's credentials, model ids and errors (docs/how-to/bedrock.md)."""
