"""The API's facts, no network I/O: SSE, tokens, ids, the model catalog, the prompt cache, the contract."""
