"""Platform clients (Amazon Bedrock) against the mock on loopback."""
