"""mockclaude: an offline mock of the Anthropic Messages API.

The package lives in the repository folder ``mocks/`` and is imported as ``mockclaude``
so it never clashes with a ``mocks`` package in a user's own test suite.

This module declares the public API: the names in ``__all__`` are what users import, and
``tests/test_public_api.py`` pins them. Everything else is internal and may move.

The re-exports are lazy. ``import mockclaude`` happens in every user's pytest run (through the
plugin's entry point), so it imports nothing but this file; a name is imported from its module on
first use (``mockclaude.MockClaude`` or ``from mockclaude import MockClaude``). Type checkers read the
``TYPE_CHECKING`` imports below instead.
"""

from __future__ import annotations

import sys

__version__ = "0.1.0"

# Not ``from typing import TYPE_CHECKING``: importing typing would double the cost of ``import mockclaude``.
# Type checkers treat any name TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from mockclaude.config import (
        AuthMode,
        MockConfig,
        RecordMode,
        ReplayTiming,
        ValidationMode,
        load_config,
    )
    from mockclaude.errors import (
        ApiError,
        ConfigError,
        FaultSyntaxError,
        MockClaudeError,
        RecordingError,
        RuleError,
    )
    from mockclaude.server.app import MockApp, create_app
    from mockclaude.testing.admin_client import AdminError
    from mockclaude.testing.mock import LiveServer, MockClaude
    from mockclaude.testing.netguard import NetworkBlocked, NetworkGuard
    from mockclaude.testing.responses_integration import add_mockclaude

# Each public name -> the module that defines it. Keep in step with the imports above and ``__all__``.
_EXPORTS: dict[str, str] = {
    # The app
    "MockApp": "mockclaude.server.app",
    "create_app": "mockclaude.server.app",
    # Configuration
    "AuthMode": "mockclaude.config",
    "MockConfig": "mockclaude.config",
    "RecordMode": "mockclaude.config",
    "ReplayTiming": "mockclaude.config",
    "ValidationMode": "mockclaude.config",
    "load_config": "mockclaude.config",
    # Testing
    "AdminError": "mockclaude.testing.admin_client",
    "LiveServer": "mockclaude.testing.mock",
    "MockClaude": "mockclaude.testing.mock",
    "NetworkBlocked": "mockclaude.testing.netguard",
    "NetworkGuard": "mockclaude.testing.netguard",
    "add_mockclaude": "mockclaude.testing.responses_integration",
    # Errors
    "MockClaudeError": "mockclaude.errors",
    "ApiError": "mockclaude.errors",
    "ConfigError": "mockclaude.errors",
    "FaultSyntaxError": "mockclaude.errors",
    "RecordingError": "mockclaude.errors",
    "RuleError": "mockclaude.errors",
}

# Grouped by what a user does with the names (RUF022 would sort them into one run);
# tests/test_public_api.py pins the exact set.
__all__ = [  # noqa: RUF022
    # The app
    "MockApp",
    "create_app",
    # Configuration
    "AuthMode",
    "MockConfig",
    "RecordMode",
    "ReplayTiming",
    "ValidationMode",
    "load_config",
    # Testing
    "AdminError",
    "LiveServer",
    "MockClaude",
    "NetworkBlocked",
    "NetworkGuard",
    "add_mockclaude",
    # Errors (the tree is drawn in mockclaude/errors.py)
    "MockClaudeError",
    "ApiError",
    "ConfigError",
    "FaultSyntaxError",
    "RecordingError",
    "RuleError",
    # The version
    "__version__",
]


# Defined only at run time: a type checker sees the imports above, and flags any other name as unknown.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        """Import a public name from its module on first use, then keep it here."""
        module = _EXPORTS.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        __import__(module)  # not importlib.import_module: importing importlib costs more than this file
        value = getattr(sys.modules[module], name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
