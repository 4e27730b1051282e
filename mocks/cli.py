"""Command line: ``python -m mockclaude serve`` starts the mock server (``mockclaude --help``)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from mockclaude.config import MockConfig, Option, load_config, options
from mockclaude.errors import ConfigError, MockClaudeError

_DEFAULTS = MockConfig()
PACKAGE = Path(__file__).resolve().parent


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockclaude",
        description="Offline mock of the Anthropic Messages API. Point the SDK at it with "
        "ANTHROPIC_BASE_URL=http://127.0.0.1:4010. Every option can also be set with MOCKCLAUDE_<OPTION>.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve",
        help="run the mock server",
        description="Run the mock server (uvicorn, uvloop, httptools). On SIGTERM, streams in flight end "
        "with the API's overloaded error event; the server waits at most --shutdown-grace-s for them.",
    )
    _server_options(serve)
    record = sub.add_parser(
        "record",
        help="run the mock as a recording proxy (serve --record-mode new_episodes)",
        description="Forward misses to --upstream, stream the answer through and write a recording for each; "
        "replay what is already recorded. Same options as serve.",
    )
    _server_options(record)
    record.set_defaults(record_mode="new_episodes")
    check = sub.add_parser(
        "verify",
        help="check recordings (format, spec, no credentials); exit 1 on any problem",
        description="Check recording files or directories: the format schema, the spec, and no credentials.",
    )
    check.add_argument(
        "paths", nargs="*", type=Path, help="files or directories (default: mocks/content/recordings)"
    )
    check.add_argument("--spec", dest="spec_path", type=Path, default=_DEFAULTS.spec_path)
    return parser


def _server_options(parser: argparse.ArgumentParser) -> None:
    """One flag per option of the table in config.py; values stay text until :func:`_overrides` parses them."""
    for option in options():
        if option.kind is bool:
            parser.add_argument(
                option.flags, dest=option.name, action="store_true", default=None, help=_help(option)
            )
            continue
        choices = option.allowed
        parser.add_argument(
            option.flags,
            dest=option.name,
            action="append" if option.repeatable else "store",
            metavar="{" + ",".join(choices) + "}" if choices else None,
            help=_help(option),
        )
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))


def _help(option: Option) -> str:
    return f"{option.help} (default: {_shown(option.default)}; env {option.env})".replace("%", "%%")


def _shown(default: object) -> str:
    if isinstance(default, Path) and default.is_relative_to(PACKAGE):
        return f"{PACKAGE.name}/{default.relative_to(PACKAGE)}"
    if default in (None, "", ()):
        return "none"
    return str(default)


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    """The flags given, parsed by the option table (a wrong value is a ConfigError naming the flag)."""
    overrides: dict[str, object] = {}
    for option in options():
        value = getattr(args, option.name)
        if value is None or option.kind is bool:
            overrides[option.name] = value
        elif option.repeatable:
            overrides[option.name] = tuple(value)
        else:
            overrides[option.name] = option.parse(value, option.flags)
    return overrides


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "verify":
        return verify_command(args.paths or [_DEFAULTS.recordings_dir], args.spec_path)
    try:
        config = load_config(_overrides(args))
    except ConfigError as exc:
        print(f"mockclaude: configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return serve(config, args.log_level)


def verify_command(paths: Sequence[Path | None], spec_path: Path) -> int:
    from mockclaude.store.verify import verify

    missing = [str(p) for p in (*paths, spec_path) if p is not None and not p.exists()]
    if missing:
        print(f"mockclaude verify: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    problems = verify([p for p in paths if p is not None], spec_path)
    for problem in problems:
        print(problem)
    count = sum(len(list(p.rglob("*.yaml"))) if p.is_dir() else 1 for p in paths if p is not None)
    print(f"verify: {count} file(s), {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


def missing_paths(config: MockConfig) -> str:
    """The configured files and folders that do not exist, each with its flag ("" when all do). A recording
    folder may be missing when recording will create it."""
    paths = {
        "--spec": config.spec_path,
        "--catalog": config.catalog_path,
        "--rules": config.rules_dir,
        "--faults": config.faults_file,
    }
    if not config.record_mode.records:
        paths["--recordings"] = config.recordings_dir
    missing = [f"{flag} {path}" for flag, path in paths.items() if path is not None and not path.exists()]
    return f"no such file or directory: {'; '.join(missing)}" if missing else ""


class _DroppedOnPurpose(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing response."


def serve(config: MockConfig, log_level: str = "info") -> int:
    from mockclaude.server.app import create_app
    from mockclaude.server.connection import MockServer, server_config

    missing = missing_paths(config)
    if missing:
        print(f"mockclaude: cannot start: {missing}", file=sys.stderr)
        return 2
    try:
        app = create_app(config)
    except ConfigError as exc:  # a bad --fault, --faults file or --rate-limits
        print(f"mockclaude: configuration error: {exc}", file=sys.stderr)
        return 2
    except (MockClaudeError, OSError, ValueError) as exc:  # a recording or rule file, a missing file
        print(f"mockclaude: cannot start: {exc}", file=sys.stderr)
        return 2
    # A fault that drops a connection ends a response on purpose; uvicorn would log it as an error.
    logging.getLogger("uvicorn.error").addFilter(_DroppedOnPurpose())
    print(f"mockclaude: serving the Messages API on http://{config.host}:{config.port}", file=sys.stderr)
    if config.record_mode.value != "off":
        print(
            f"mockclaude: record mode {config.record_mode.value}: upstream {config.upstream}, "
            f"recordings in {config.recordings_dir}",
            file=sys.stderr,
        )
    settings = server_config(
        app,
        config,
        host=config.host,
        port=config.port,
        loop="uvloop",
        access_log=config.access_log,
        log_level=log_level,
        lifespan="on",
    )
    MockServer(settings, app).run()
    return 0
