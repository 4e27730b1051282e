"""Hot reload of rules and recordings: when their files change (checked at most once a second, on
requests) or on ``POST /_mock/reload``. A bad file is refused and the previous content stays."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from mockclaude.config import MockConfig
from mockclaude.errors import RecordingError, RuleError
from mockclaude.files import default_cache_dir
from mockclaude.sources.base import RuleSource
from mockclaude.sources.rules import load_rules
from mockclaude.store.recordings import RecordingStore

log = logging.getLogger("mockclaude")


class ContentWatcher:
    def __init__(self, config: MockConfig, recordings: RecordingStore, rules: RuleSource) -> None:
        self.config = config
        self.recordings = recordings
        self.rules = rules
        self.on_reload: list[Callable[[], None]] = []
        self._watched = self._signature()
        self.next_check = time.monotonic() + 1.0

    def _signature(self) -> tuple[tuple[str, float], ...]:
        """Modification times that change when a rule file or a recording directory changes."""
        stamps: list[tuple[str, float]] = []
        rules_dir, recordings_dir = self.config.rules_dir, self.config.recordings_dir
        if rules_dir is not None and rules_dir.exists():
            stamps += [(str(p), p.stat().st_mtime) for p in sorted(rules_dir.glob("*.yaml"))]
            stamps.append((str(rules_dir), rules_dir.stat().st_mtime))
        if recordings_dir is not None and recordings_dir.exists():
            stamps += [
                (str(d), d.stat().st_mtime) for d in [recordings_dir, *sorted(recordings_dir.rglob("*/"))]
            ]
        return tuple(stamps)

    def reload_if_changed(self) -> None:
        self.next_check = time.monotonic() + 1.0
        signature = self._signature()
        if signature != self._watched:
            self._watched = signature
            self.reload()

    def reload(self) -> dict[str, Any]:
        try:
            rules = load_rules(self.config.rules_dir)
            recordings = RecordingStore(
                self.config.recordings_dir,
                skip_bad=self.config.skip_bad_recordings,
                redactor=self.recordings.redactor,
                cache_dir=default_cache_dir(),
            )
        except (RuleError, RecordingError) as exc:
            log.error("reload refused, keeping the previous rules and recordings: %s", exc)
            return {"reloaded": False, "error": str(exc)}
        self.rules.set_rules(rules)
        self.recordings.replace_with(recordings)
        for callback in self.on_reload:
            callback()
        log.info("reloaded %d rules and %d recordings", len(rules), len(recordings))
        return {"reloaded": True, "rules": len(rules), "recordings": len(recordings)}
