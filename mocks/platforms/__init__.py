"""Wire adapters for cloud platforms (Amazon Bedrock, Google Vertex AI, Microsoft Foundry) onto the one
pipeline. Empty seam: the adapters land here."""
