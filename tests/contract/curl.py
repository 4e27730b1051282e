"""curl commands that reproduce a request, with the key left to the shell (`$ANTHROPIC_API_KEY`)."""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Mapping
from pathlib import Path

CREDENTIALS = {"x-api-key": "$ANTHROPIC_API_KEY", "authorization": "Bearer $ANTHROPIC_API_KEY"}
SKIPPED = {"content-length", "host", "accept-encoding", "connection", "user-agent"}
INLINE_BODY_LIMIT = 2000


def curl(
    method: str, url: str, headers: Mapping[str, str], body: bytes | None, body_dir: Path | None = None
) -> str:
    """A copy-paste command; a body over 2,000 bytes goes to a file in `body_dir` (`--data-binary @file`)."""
    parts = ["curl", "-sS", "-X", method, shlex.quote(url)]
    for name, value in headers.items():
        if name.lower() in SKIPPED:
            continue
        if name.lower() in CREDENTIALS:
            parts += ["-H", f'"{name}: {CREDENTIALS[name.lower()]}"']
        else:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body:
        if body_dir is not None and len(body) > INLINE_BODY_LIMIT:
            body_dir.mkdir(parents=True, exist_ok=True)
            path = body_dir / f"{hashlib.sha256(body).hexdigest()[:16]}.json"
            path.write_bytes(body)
            parts += ["--data-binary", f"@{path}"]
        else:
            parts += ["--data-binary", shlex.quote(body.decode(errors="replace"))]
    return " ".join(parts)
