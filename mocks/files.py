"""Files: written so that a reader never sees half of one (a temporary file beside the target, then a rename);
YAML read and written through libyaml when PyYAML has it (about 7x faster than the pure-Python loader); the
per-user cache directory."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, TextIO

import yaml

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
YAMLError = yaml.YAMLError


def write_atomically(path: Path, data: bytes, *, durable: bool = False) -> Path:
    """Write ``data`` to ``path`` through a uniquely named temporary file and a rename.

    Concurrent writers never clobber each other's temporary files, and an interruption (an error, a kill)
    leaves either the old file or the new one, never a partial one. ``durable`` also fsyncs before the rename.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)


def dump_yaml(document: Any, stream: TextIO) -> None:
    yaml.dump(document, stream, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


def dumps_yaml(document: Any) -> str:
    return str(yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110))


def default_cache_dir() -> Path:
    """Where the mock keeps what it can rebuild (compiled validators, the recordings' parse index)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mockclaude"
