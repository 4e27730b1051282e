"""Start-up: a missing recordings, rules or faults path is an error naming it (not a mock silently without
content); ``verify`` of a missing path says so; the record server's start-up line says the mode, the upstream
and the folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockclaude import cli
from mockclaude.config import options


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for option in options():
        monkeypatch.delenv(option.env, raising=False)


@pytest.mark.parametrize("flag", ["--recordings", "--rules", "--faults", "--spec", "--catalog"])
def test_a_missing_path_is_a_start_up_error_naming_it(
    flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-thing"
    assert cli.main(["serve", flag, str(missing)]) == 2
    assert (
        capsys.readouterr().err == f"mockclaude: cannot start: no such file or directory: {flag} {missing}\n"
    )


def test_a_recording_folder_to_be_created_by_recording_is_not_missing(tmp_path: Path) -> None:
    from mockclaude.config import load_config

    config = load_config({"recordings_dir": tmp_path / "new", "record_mode": "new_episodes"})
    assert cli.missing_paths(config) == ""


def test_verify_of_a_missing_path_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["verify", str(tmp_path / "absent")]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_the_record_server_says_mode_upstream_and_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mockclaude.server.connection import MockServer

    monkeypatch.setattr(MockServer, "run", lambda self, *args, **kwargs: None)  # the line, not a server
    folder = tmp_path / "cassettes"
    argv = ["record", "--recordings", str(folder), "--upstream", "http://127.0.0.1:9", "--port", "4999"]
    assert cli.main(argv) == 0
    assert (
        f"mockclaude: record mode new_episodes: upstream http://127.0.0.1:9, recordings in {folder}"
        in capsys.readouterr().err
    )
