"""mockclaude: an offline mock of the Anthropic Messages API.

The package lives in the repository folder ``mocks/`` and is imported as ``mockclaude``
so it never clashes with a ``mocks`` package in a user's own test suite.
"""

__version__ = "0.1.0"
