"""The declared public API (``mockclaude.__all__``), pinned like httpx's tests/test_exported_members.py.

Adding or removing a public name is a decision: make it here too, on purpose.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import mockclaude

# Sorted case-insensitively, like httpx's. A name added to or removed from ``mockclaude.__all__`` fails this test.
PUBLIC_API = [
    "__version__",
    "add_mockclaude",
    "AdminError",
    "ApiError",
    "AuthMode",
    "ConfigError",
    "create_app",
    "FaultSyntaxError",
    "LiveServer",
    "load_config",
    "MockApp",
    "MockClaude",
    "MockClaudeError",
    "MockConfig",
    "NetworkBlocked",
    "NetworkGuard",
    "RecordingError",
    "RecordMode",
    "ReplayTiming",
    "RuleError",
    "ValidationMode",
]


def test_all_is_the_declared_public_api() -> None:
    assert sorted(mockclaude.__all__, key=str.casefold) == PUBLIC_API
    assert len(set(mockclaude.__all__)) == len(mockclaude.__all__), "a name is listed twice"


@pytest.mark.parametrize("name", PUBLIC_API)
def test_every_public_name_resolves_to_a_mockclaude_object(name: str) -> None:
    value = getattr(mockclaude, name)
    if name == "__version__":
        assert isinstance(value, str) and value
        return
    module = value.__module__
    assert module == "mockclaude" or module.startswith("mockclaude."), f"{name} comes from {module}"


def test_from_import_star_gives_exactly_the_public_api() -> None:
    namespace: dict[str, object] = {}
    exec("from mockclaude import *", namespace)
    assert sorted((k for k in namespace if k != "__builtins__"), key=str.casefold) == PUBLIC_API


def test_dir_lists_every_public_name() -> None:
    assert set(PUBLIC_API) <= set(dir(mockclaude))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchThing'"):
        _ = mockclaude.NoSuchThing  # type: ignore[attr-defined]
    assert not hasattr(mockclaude, "NoSuchThing")


def test_the_version_is_the_distribution_version() -> None:
    from importlib.metadata import version

    assert mockclaude.__version__ == version("mockclaude")


def _run(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=Path(__file__).parent
    ).stdout


def test_import_mockclaude_prints_all() -> None:
    out = _run("import mockclaude; print(mockclaude.__all__)")
    assert eval(out) == mockclaude.__all__


def test_import_mockclaude_is_lazy() -> None:
    # `import mockclaude` runs in every user's pytest session (the plugin's entry point): it must import no
    # submodule of ours and nothing outside the standard library; a public name imports its module on first use.
    out = _run(
        "import sys; before = set(sys.modules); import mockclaude; "
        "print(sorted(set(sys.modules) - before)); "
        "mockclaude.MockConfig; print('mockclaude.config' in sys.modules)"
    )
    loaded, config_loaded_on_use = out.splitlines()
    ours = [m for m in eval(loaded) if m.split(".")[0] == "mockclaude"]
    others = [m for m in eval(loaded) if m.split(".")[0] != "mockclaude"]
    assert ours == ["mockclaude"]
    assert [m for m in others if m.split(".")[0] not in sys.stdlib_module_names] == []
    assert config_loaded_on_use == "True"


def test_py_typed_ships_with_the_package() -> None:
    assert (Path(mockclaude.__file__).parent / "py.typed").is_file()
