"""Helpers shared by the test packages: a mock server on a loopback port, the response conformance check,
README/docs code blocks."""
