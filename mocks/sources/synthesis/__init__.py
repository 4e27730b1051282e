"""Synthesized answers: deterministic text, tool calls and thinking shaped by the request."""
