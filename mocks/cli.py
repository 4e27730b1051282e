"""Command line: ``python -m mockclaude serve`` starts the mock server (``mockclaude --help``)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from mockclaude.config import LATENCY_CHOICES, VALIDATION_MODES, ConfigError, MockConfig, load_config
from mockclaude.errors import ApiError

_DEFAULTS = MockConfig()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockclaude",
        description="Offline mock of the Anthropic Messages API. Point the SDK at it with "
        "ANTHROPIC_BASE_URL=http://127.0.0.1:4010. Every option can also be set with MOCKCLAUDE_<OPTION>.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve", help="run the mock server", description="Run the mock server (uvicorn, uvloop, httptools)."
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
    parser.add_argument(
        "--host",
        help=f"interface to bind (default {_DEFAULTS.host}; env MOCKCLAUDE_HOST, or HOST= with make mock)",
    )
    parser.add_argument(
        "--port",
        type=int,
        help=f"port (default {_DEFAULTS.port}; env MOCKCLAUDE_PORT, or PORT= with make mock)",
    )
    parser.add_argument(
        "--spec", dest="spec_path", type=Path, help="OpenAPI file whose schemas validate requests"
    )
    parser.add_argument(
        "--catalog", dest="catalog_path", type=Path, help="model catalog YAML (ids, limits, prices, latency)"
    )
    parser.add_argument(
        "--latency",
        choices=LATENCY_CHOICES,
        help="latency profile: 'model' uses each model's own (default); 'instant' never waits",
    )
    parser.add_argument(
        "--speed", type=float, help="speed factor: 2 answers twice as fast as the profile (default 1)"
    )
    parser.add_argument(
        "--validation",
        choices=VALIDATION_MODES,
        help="strict: spec + the API's semantic rules (default); permissive: spec only, any model name",
    )
    parser.add_argument(
        "--api-key",
        dest="api_keys",
        action="append",
        help="accept only this key (repeatable); by default any key, or none, is accepted",
    )
    parser.add_argument(
        "--recordings",
        dest="recordings_dir",
        type=Path,
        help="recording set (a directory of YAML recordings) replayed before synthesis (default: mocks/content/recordings)",
    )
    parser.add_argument(
        "--skip-bad-recordings",
        action="store_true",
        default=None,
        help="skip unreadable recordings with a warning instead of refusing to start",
    )
    parser.add_argument(
        "--rules", dest="rules_dir", type=Path, help="directory of rule files (default: mocks/content/rules)"
    )
    parser.add_argument(
        "--record-mode",
        choices=("none", "once", "new_episodes", "all"),
        help="VCR-style: none = replay only, a miss is an error; once = record into an empty set; "
        "new_episodes = replay hits, record misses; all = always forward and overwrite. "
        "Default: replay, then synthesize",
    )
    parser.add_argument(
        "--upstream",
        help="where record mode forwards (default https://api.anthropic.com; any Anthropic-compatible base URL)",
    )
    parser.add_argument(
        "--replay-timing",
        choices=("recorded", "profile", "instant"),
        help="recorded streams: their recorded timing (default), the model's latency profile, or at once",
    )
    parser.add_argument(
        "--redact",
        action="append",
        help="redact this from recordings with a stable placeholder: 'email', 'phone' or a regex (repeatable)",
    )
    parser.add_argument(
        "--batch-processing-s", type=float, help="seconds a message batch takes to end (default 3)"
    )
    parser.add_argument(
        "--answer-cache-size", type=int, help="identical requests answered from memory (default 4096; 0 off)"
    )
    parser.add_argument(
        "--fault",
        dest="faults",
        action="append",
        help="a fault rule, e.g. '529; probability=0.1' or '429; every_s=60; for_s=10' (repeatable; see README 'Faults')",
    )
    parser.add_argument("--faults", dest="faults_file", type=Path, help="a YAML file of fault rules")
    parser.add_argument(
        "--rate-limits",
        help="enforce the API's rate limits: tier1..tier4 or 'rpm=N,itpm=N,otpm=N' (default off)",
    )
    parser.add_argument("--journal-size", type=int, help="requests kept in the journal (default 1000)")
    parser.add_argument(
        "--admin-remote",
        action="store_true",
        default=None,
        help="let non-loopback clients use the admin API under /_mock/ (default: loopback only)",
    )
    parser.add_argument("--admin-token", help="require this x-mockclaude-admin-token on /_mock/ calls")
    parser.add_argument("--access-log", action="store_true", default=None, help="log every request")
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "verify":
        return verify_command(args.paths or [_DEFAULTS.recordings_dir], args.spec_path)
    overrides = {k: v for k, v in vars(args).items() if k not in ("command", "log_level")}
    for key in ("api_keys", "redact", "faults"):
        if overrides.get(key):
            overrides[key] = tuple(overrides[key])
    try:
        config = load_config(overrides)
    except ConfigError as exc:
        print(f"mockclaude: configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return serve(config, args.log_level)


def verify_command(paths: Sequence[Path | None], spec_path: Path) -> int:
    from mockclaude.store.verify import verify

    problems = verify([p for p in paths if p is not None], spec_path)
    for problem in problems:
        print(problem)
    count = sum(len(list(p.rglob("*.yaml"))) if p.is_dir() else 1 for p in paths if p is not None)
    print(f"verify: {count} file(s), {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


class _DroppedOnPurpose(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing response."


def serve(config: MockConfig, log_level: str = "info") -> int:
    import uvicorn

    from mockclaude.server.app import create_app

    try:
        app = create_app(config)
    except (OSError, ValueError, ApiError) as exc:  # RecordingError and ConfigError are ValueErrors
        message = exc.message if isinstance(exc, ApiError) else str(exc)
        print(f"mockclaude: cannot start: {message}", file=sys.stderr)
        return 2
    # A fault that drops a connection ends a response on purpose; uvicorn would log it as an error.
    logging.getLogger("uvicorn.error").addFilter(_DroppedOnPurpose())
    print(f"mockclaude: serving the Messages API on http://{config.host}:{config.port}", file=sys.stderr)
    uvicorn.run(
        app,
        host=config.host,
        port=config.port,
        loop="uvloop",
        http="httptools",
        access_log=config.access_log,
        log_level=log_level,
        lifespan="on",
        timeout_graceful_shutdown=5,  # answers delayed on purpose do not hold up a shutdown
    )
    return 0
