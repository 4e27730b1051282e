"""One module per Anthropic noun: messages (and count_tokens), message batches, models, pagination."""
