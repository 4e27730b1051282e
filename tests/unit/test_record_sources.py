"""Which answer sources a record mode asks, decided once when the app is built."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mockclaude.config import MockConfig, RecordMode
from mockclaude.server.app import create_app
from mockclaude.sources.base import RecordingSource, RuleSource, Synthesizer

SEED = Path(__file__).parents[2] / "mocks" / "content" / "recordings" / "seed"


def sources(mode: RecordMode, recordings: Path) -> tuple[list[type], bool]:
    """(what the mock answers from after its checks, recorded requests and batches; whether the upstream
    is asked, for requests as sent)."""
    app = create_app(MockConfig(latency="instant", record_mode=mode, recordings_dir=recordings))
    return [type(s) for s in app.pipeline.sources], app.pipeline.upstream is not None


@pytest.mark.parametrize(
    ("mode", "mock", "upstream"),
    [
        (RecordMode.OFF, [RecordingSource, RuleSource, Synthesizer], False),
        (RecordMode.NONE, [RecordingSource], False),
        (RecordMode.ONCE, [RecordingSource], True),  # the set is empty at start: it records
        (RecordMode.NEW_EPISODES, [RecordingSource, RuleSource, Synthesizer], True),
        (RecordMode.ALL, [RecordingSource, RuleSource, Synthesizer], True),
    ],
)
def test_sources_per_mode(tmp_path: Path, mode: RecordMode, mock: list[type], upstream: bool) -> None:
    assert sources(mode, tmp_path) == (mock, upstream)


def test_once_with_recordings_at_start_only_replays(tmp_path: Path) -> None:
    shutil.copytree(SEED, tmp_path / "seed")
    assert sources(RecordMode.ONCE, tmp_path) == ([RecordingSource], False)
