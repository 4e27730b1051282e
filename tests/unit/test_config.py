"""The option table: precedence, strict parsing of every type, "did you mean", the generated CLI."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from mockclaude import cli
from mockclaude.config import (
    AuthMode,
    ConfigError,
    MockConfig,
    RecordMode,
    ReplayTiming,
    ValidationMode,
    load_config,
    options,
)


def test_a_flag_beats_the_environment_which_beats_the_default() -> None:
    env = {"MOCKCLAUDE_PORT": "4500", "MOCKCLAUDE_SPEED": "2"}
    config = load_config({"port": 5000, "speed": None}, env=env)
    assert (config.port, config.speed) == (5000, 2.0)  # the flag; None is "not given": the variable
    assert load_config(env={}).port == 4010


@pytest.mark.parametrize(
    ("variable", "raw", "key", "value"),
    [
        ("MOCKCLAUDE_ADMIN_REMOTE", "1", "admin_remote", True),
        ("MOCKCLAUDE_ADMIN_REMOTE", "TRUE", "admin_remote", True),
        ("MOCKCLAUDE_ACCESS_LOG", "Yes", "access_log", True),
        ("MOCKCLAUDE_ACCESS_LOG", "on", "access_log", True),
        ("MOCKCLAUDE_ADMIN_REMOTE", "0", "admin_remote", False),
        ("MOCKCLAUDE_ADMIN_REMOTE", "False", "admin_remote", False),
        ("MOCKCLAUDE_SKIP_BAD_RECORDINGS", "no", "skip_bad_recordings", False),
        ("MOCKCLAUDE_SKIP_BAD_RECORDINGS", "OFF", "skip_bad_recordings", False),
        ("MOCKCLAUDE_JOURNAL_SIZE", "7", "journal_size", 7),
        ("MOCKCLAUDE_SPEED", "2.5", "speed", 2.5),
        ("MOCKCLAUDE_SPEC_PATH", "/tmp/spec.yaml", "spec_path", Path("/tmp/spec.yaml")),
        ("MOCKCLAUDE_FAULTS_FILE", "faults.yaml", "faults_file", Path("faults.yaml")),
        ("MOCKCLAUDE_API_KEYS", "sk-a,sk-b,,sk-c", "api_keys", ("sk-a", "sk-b", "sk-c")),
        (
            "MOCKCLAUDE_FAULTS",
            "529; probability=0.1|drop_after=3",
            "faults",
            ("529; probability=0.1", "drop_after=3"),
        ),
        ("MOCKCLAUDE_RECORD_MODE", "new_episodes", "record_mode", RecordMode.NEW_EPISODES),
        ("MOCKCLAUDE_RECORD_MODE", "", "record_mode", RecordMode.OFF),
        ("MOCKCLAUDE_VALIDATION", "permissive", "validation", ValidationMode.PERMISSIVE),
        ("MOCKCLAUDE_REPLAY_TIMING", "instant", "replay_timing", ReplayTiming.INSTANT),
        ("MOCKCLAUDE_LATENCY", "haiku", "latency", "haiku"),
        ("MOCKCLAUDE_ADMIN_TOKEN", "s3cret", "admin_token", "s3cret"),
    ],
)
def test_each_type_is_read_from_the_environment(variable: str, raw: str, key: str, value: object) -> None:
    assert getattr(load_config(env={variable: raw}), key) == value


@pytest.mark.parametrize("raw", ["ture", "2", "", "y", "enabled"])
def test_booleans_are_strict(raw: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(env={"MOCKCLAUDE_ADMIN_REMOTE": raw})
    assert str(error.value) == (
        f"MOCKCLAUDE_ADMIN_REMOTE: {raw!r} is not a boolean; use one of 1, 0, true, false, yes, no, on, off (any case)"
    )


@pytest.mark.parametrize(
    ("variable", "raw", "named"),
    [
        ("MOCKCLAUDE_PORT", "http", "MOCKCLAUDE_PORT: 'http' is not an integer"),
        ("MOCKCLAUDE_JOURNAL_SIZE", "1.5", "MOCKCLAUDE_JOURNAL_SIZE: '1.5' is not an integer"),
        ("MOCKCLAUDE_SPEED", "fast", "MOCKCLAUDE_SPEED: 'fast' is not a number"),
        ("MOCKCLAUDE_SPEED", "0", "speed: 0.0 must be a number greater than 0"),
        ("MOCKCLAUDE_PORT", "70000", "port: 70000 must be between 1 and 65535"),
    ],
)
def test_bad_numbers_name_the_variable(variable: str, raw: str, named: str) -> None:
    with pytest.raises(ConfigError, match="^" + named.replace(".", r"\.") + "$"):
        load_config(env={variable: raw})


@pytest.mark.parametrize(
    ("key", "typo", "meant", "choices"),
    [
        ("record_mode", "new_episode", "new_episodes", "off, none, once, new_episodes, all"),
        ("validation", "strickt", "strict", "strict, permissive"),
        ("validation", "PERMISSIVE", "permissive", "strict, permissive"),
        ("replay_timing", "profil", "profile", "recorded, profile, instant"),
        ("latency", "sonet", "sonnet", "model, instant, haiku, sonnet, opus, frontier, steady"),
    ],
)
def test_a_typo_in_a_choice_gets_a_did_you_mean(key: str, typo: str, meant: str, choices: str) -> None:
    expected = f"{typo!r} is not one of {choices}; did you mean {meant!r}?"
    with pytest.raises(ConfigError) as error:
        MockConfig(**{key: typo})  # type: ignore[arg-type]
    assert str(error.value) == f"{key}: {expected}"
    with pytest.raises(ConfigError) as error:
        load_config(env={f"MOCKCLAUDE_{key.upper()}": typo})
    assert str(error.value) == f"MOCKCLAUDE_{key.upper()}: {expected}"


def test_a_choice_with_nothing_close_lists_the_choices_only() -> None:
    with pytest.raises(ConfigError) as error:
        load_config(env={"MOCKCLAUDE_RECORD_MODE": "xyzzy"})
    assert (
        str(error.value) == "MOCKCLAUDE_RECORD_MODE: 'xyzzy' is not one of off, none, once, new_episodes, all"
    )


def test_an_unknown_override_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="colour"):
        load_config({"colour": "blue"}, env={})


def serve_actions(command: str = "serve") -> dict[str, list[str]]:
    parser = cli._parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    serve = sub.choices[command]  # type: ignore[index]
    return {a.dest: list(a.option_strings) for a in serve._actions if a.dest != "help"}


def test_the_parser_has_one_flag_per_option() -> None:
    actions = serve_actions()
    assert set(actions) == {f.name for f in fields(MockConfig)} | {"log_level"}
    assert all(len(flags) == 1 for flags in actions.values())
    assert serve_actions("record") == actions
    # Every flag name the CLI had before the table, with its dest.
    kept = {
        "--api-key": "api_keys",
        "--fault": "faults",
        "--faults": "faults_file",
        "--spec": "spec_path",
        "--recordings": "recordings_dir",
        "--rules": "rules_dir",
        "--catalog": "catalog_path",
        "--record-mode": "record_mode",
        "--skip-bad-recordings": "skip_bad_recordings",
        "--admin-remote": "admin_remote",
        "--access-log": "access_log",
        "--log-level": "log_level",
    }
    assert {flags[0]: dest for dest, flags in actions.items() if flags[0] in kept} == kept


def test_every_flag_reaches_the_config() -> None:
    argv = ["serve", "--host", "0.0.0.0", "--port", "4999", "--spec", "s.yaml", "--catalog", "c.yaml"]
    argv += ["--latency", "instant", "--speed", "3", "--validation", "permissive"]
    argv += ["--api-key", "sk-1", "--api-key", "sk-2", "--batch-processing-s", "0.5"]
    argv += ["--max-body-bytes", "100", "--max-batch-body-bytes", "200", "--organization-id", "org"]
    argv += ["--answer-cache-size", "0", "--recordings", "r", "--skip-bad-recordings", "--rules", "u"]
    argv += ["--record-mode", "none", "--upstream", "http://127.0.0.1:9", "--redact", "email"]
    argv += ["--replay-timing", "profile", "--access-log", "--fault", "529", "--fault", "drop_after=2"]
    argv += ["--faults", "f.yaml", "--rate-limits", "tier2", "--journal-size", "5", "--admin-remote"]
    argv += ["--admin-token", "t", "--auth", "off", "--batches-kept", "7"]
    argv += [
        "--header-timeout-s",
        "2",
        "--body-timeout-s",
        "3",
        "--max-connections",
        "7",
        "--max-header-bytes",
        "999",
    ]
    argv += ["--max-headers", "9", "--trusted-proxies", "10.0.0.1", "--shutdown-grace-s", "1.5"]
    config = load_config(cli._overrides(cli._parser().parse_args(argv)), env={})
    assert config == MockConfig(
        host="0.0.0.0",
        port=4999,
        spec_path=Path("s.yaml"),
        catalog_path=Path("c.yaml"),
        latency="instant",
        speed=3.0,
        validation=ValidationMode.PERMISSIVE,
        api_keys=("sk-1", "sk-2"),
        batch_processing_s=0.5,
        max_body_bytes=100,
        max_batch_body_bytes=200,
        organization_id="org",
        answer_cache_size=0,
        recordings_dir=Path("r"),
        skip_bad_recordings=True,
        rules_dir=Path("u"),
        record_mode=RecordMode.NONE,
        upstream="http://127.0.0.1:9",
        redact=("email",),
        replay_timing=ReplayTiming.PROFILE,
        access_log=True,
        faults=("529", "drop_after=2"),
        faults_file=Path("f.yaml"),
        rate_limits="tier2",
        journal_size=5,
        admin_remote=True,
        admin_token="t",
        auth=AuthMode.OFF,
        batches_kept=7,
        header_timeout_s=2.0,
        body_timeout_s=3.0,
        max_connections=7,
        max_header_bytes=999,
        max_headers=9,
        trusted_proxies="10.0.0.1",
        shutdown_grace_s=1.5,
    )
    assert {f.name for f in fields(MockConfig) if getattr(config, f.name) == f.default} == set()


def test_record_defaults_to_new_episodes_and_the_flag_still_wins() -> None:
    record = cli._overrides(cli._parser().parse_args(["record"]))
    assert load_config(record, env={}).record_mode is RecordMode.NEW_EPISODES
    flagged = cli._overrides(cli._parser().parse_args(["record", "--record-mode", "all"]))
    assert load_config(flagged, env={}).record_mode is RecordMode.ALL


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--record-mode", "new_episode"],
            "--record-mode: 'new_episode' is not one of off, none, once, "
            "new_episodes, all; did you mean 'new_episodes'?",
        ),
        (["--port", "http"], "--port: 'http' is not an integer"),
        (["--speed", "-1"], "speed: -1.0 must be a number greater than 0"),
    ],
)
def test_a_bad_flag_is_a_configuration_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for option in options():
        monkeypatch.delenv(option.env, raising=False)
    assert cli.main(["serve", *argv]) == 2
    assert capsys.readouterr().err == f"mockclaude: configuration error: {message}\n"


def test_help_lists_every_option_with_its_default_and_variable() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "mockclaude", "serve", "--help"], capture_output=True, text=True, check=True
    ).stdout
    text = " ".join(shown.split())  # argparse wraps lines anywhere between words
    for option in options():
        assert option.flags in text and f"env {option.env})" in text, option.name
    assert "(default: 4010; env MOCKCLAUDE_PORT)" in text
    assert "(default: new_episodes" not in text and "{off,none,once,new_episodes,all}" in text
