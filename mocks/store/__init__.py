"""Recordings on disk: the format, matchers, the store, redaction and ``verify``."""
