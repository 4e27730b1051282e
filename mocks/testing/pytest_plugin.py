"""The pytest plugin (entry point ``pytest11: mockclaude.testing.pytest_plugin``, the module's own name, so
``pytest_plugins = ["mockclaude.testing.pytest_plugin"]`` in a conftest is no second registration): the mock as
fixtures, opt-in by name. Its dependencies: ``pip install 'mockclaude[pytest]'``.

Fixtures
    ``mockclaude``               the mock in this process (:class:`mockclaude.testing.mock.MockClaude`): ``.client()``,
                                 ``.async_client()``, ``.journal``, ``.faults``, ``.add_rules()``, ``.serve()``
    ``mockclaude_client``        an ``anthropic.Anthropic`` client wired to it in-process (strict validation)
    ``mockclaude_async_client``  the same for ``anthropic.AsyncAnthropic``
    ``mockclaude_vertex_client`` an ``anthropic.AnthropicVertex`` client wired to it in-process (strict)
    ``mockclaude_foundry_client`` an ``anthropic.AnthropicFoundry`` client wired to it in-process (strict)


@pytest.fixture()
    ``mockclaude_bedrock_client`` an ``anthropic.AnthropicBedrock`` client (SigV4, dummy AWS credentials) of
                                 the mock's Bedrock routes, in-process (``mockclaude.bedrock_client()``)
    ``mockclaude_server``        the same mock on a free port of 127.0.0.1 (``.base_url``), with
                                 ``ANTHROPIC_BASE_URL`` and ``ANTHROPIC_API_KEY`` set for code that reads them
    ``mockclaude_journal``       the requests the code under test made (``.messages()``, ``.entries()``)
    ``mockclaude_faults``        faults armed for this test (``.add("529; times=2")``)
    ``mockclaude_session``       one mock for the whole run (``mockclaude_session_config`` sets it up),
    ``mockclaude_module``        or one per module (its ``pytestmark``): reset before each test using it

A test's mock is reused by later tests with the same settings, reset in between (journal, stats, faults,
buckets, batches, caches, added rules): a test costs milliseconds, not the loading of the contract.

Marker ``@pytest.mark.mockclaude(...)`` (the closest one wins, key by key):
    ``recordings=True`` or a path (relative to the test file): answers come from that recording set; ``True``
    means a set per test, ``recordings/<module>/[<class>/]<test id>/`` next to the test file (a VCR cassette;
    a test id with characters unfit for a folder name, ``test_q[What is 2+2?]``, gets a short hash added)
    ``record_mode="none"|"once"|"new_episodes"|"all"|"rewrite"`` (VCR's modes, and pytest-recording's
    rewrite: the set's recordings deleted once per run, then new_episodes; implies ``recordings=True``;
    default ``none``; ``--mockclaude-record-mode`` overrides it for every test that uses recordings)
    ``matcher=`` a function of the request body returning what decides the match
    ``before_record_request=``/``before_record_response=`` functions of what is about to be recorded,
    returning it changed or None (record nothing)
    ``upstream=`` where recording forwards to (default https://api.anthropic.com; allowed through the guard).
    Recording forwards the client's key: it needs ``ANTHROPIC_API_KEY``; without it a request to record is
    answered 401 naming that variable, and nothing is forwarded or written
    ``rules=`` a rules directory or file (instead of the shipped rules; one that does not exist is an
    error naming it), or rules to add (a list of mappings or YAML text) ahead of the shipped ones
    ``faults=["529; times=2", {"fault": "429", "path": "/v1/messages"}]`` armed before the test
    ``allow_hosts=["example.com"]`` hosts the test may reach besides loopback; ``allow_network=True`` lifts
    the guard altogether
    any other :class:`~mockclaude.config.MockConfig` field (``latency`` defaults to ``"instant"``;
    with ``api_keys`` the clients send the first key, with ``admin_token`` the journal and faults send it)

Inside these fixtures the network is blocked: reaching any host but loopback raises
:class:`mockclaude.testing.netguard.NetworkBlocked`, naming the host. Guarded: name resolution, ``connect``,
UDP ``sendto``/``sendmsg``, and uvloop's loop (``create_connection``, ``getaddrinfo``, ``sock_connect``,
``create_datagram_endpoint``); proxy variables (``HTTPS_PROXY`` and the like) are removed for the test,
as a proxy on loopback would carry requests anywhere. Not guarded: C extensions with their own sockets,
subprocesses, connections opened before the test (``allow_network=True`` lifts the guard and keeps
proxies). Nothing is imported or started until a
test asks for one of these fixtures, so the plugin costs nothing to suites that do not use it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from mockclaude.config import (  # standard library only: cheap to import
    DEFAULT_RULES,
    RECORD_MODES,
    MockConfig,
)
from mockclaude.errors import ConfigError

if TYPE_CHECKING:
    from mockclaude.testing.admin_client import Faults, Journal
    from mockclaude.testing.inprocess import AppLoop
    from mockclaude.testing.mock import LiveServer, MockClaude

MARKER = "mockclaude"
_PLUGIN_KEYS = {"recordings", "record_mode", "upstream", "rules", "faults", "allow_hosts", "allow_network"}
# Settings that are functions of the test (not configuration): a mock with them is the test's alone.
_TEST_HOOKS = ("matcher", "before_record_request", "before_record_response")
_PLUGIN_KEYS.update(_TEST_HOOKS)
PLUGIN_RECORD_MODES = (*RECORD_MODES, "rewrite")  # rewrite: the set's recordings deleted, then new_episodes


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockclaude", "mockclaude: the Anthropic Messages API mock")
    group.addoption(
        "--mockclaude-record-mode",
        choices=PLUGIN_RECORD_MODES,
        default=None,
        help="record mode for every test that uses recordings (overrides the marker's record_mode); "
        "rewrite deletes a test's recordings once per run and records them again",
    )
    group.addoption(
        "--mockclaude-block-network",
        action="store_true",
        default=False,
        help="block every host but loopback in every test, not only in tests using the mockclaude fixtures "
        "(a test's marker allow_hosts=/allow_network=True still apply)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(recordings=, record_mode=, upstream=, rules=, faults=, allow_hosts=, allow_network=, **config): "
        "settings of the mockclaude fixtures for this test (see mockclaude.testing.pytest_plugin)",
    )


def marker_settings(node: pytest.Item) -> dict[str, Any]:
    """The marker's keywords, the closest marker winning key by key."""
    settings: dict[str, Any] = {}
    for mark in reversed(list(node.iter_markers(MARKER))):
        if mark.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keywords only, got {mark.args!r}")
        settings.update(mark.kwargs)
    return settings


def _folder_name(name: str, limit: int = 80) -> str:
    """``name`` as a folder name: unsafe characters become ``-``; when that (or shortening) changed it, a
    short hash of the original keeps apart names that differ only there (``2+2`` and ``2*2``)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "test"
    if safe == name and len(safe) <= limit:
        return safe
    return f"{safe[:limit]}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def cassette_dir(node: pytest.Item) -> Path:
    """``recordings/<module>/[<class>/...]<test>/`` next to the test file: one recording set per test (its
    class and full id, parameters included)."""
    module = Path(str(node.path))
    chain = node.listchain()
    modules = [i for i, n in enumerate(chain) if isinstance(n, pytest.Module)]
    names = [n.name for n in chain[modules[-1] + 1 :]] if modules else [node.name]
    return module.parent.joinpath("recordings", module.stem, *(_folder_name(n) for n in names))


def record_mode(settings: dict[str, Any], option: str | None) -> str:
    """The test's record mode: "" (no recordings: the shipped content) or one of VCR's modes."""
    if "recordings" not in settings and "record_mode" not in settings:
        return ""
    mode = option or settings.get("record_mode") or "none"
    if mode not in PLUGIN_RECORD_MODES:
        raise pytest.UsageError(f"record_mode={mode!r} is not one of {', '.join(PLUGIN_RECORD_MODES)}")
    return str(mode)


_REWRITTEN = pytest.StashKey[set[Path]]()


def rewrite(node: pytest.Item | pytest.Module, directory: Path) -> None:
    """Record mode ``rewrite``: delete the set's recordings, once per run (a set shared by several tests
    is emptied before the first of them only), keeping its ``recording-set.yaml``."""
    done = node.config.stash.setdefault(_REWRITTEN, set())
    if directory in done:
        return
    done.add(directory)
    for path in directory.rglob("*.yaml") if directory.is_dir() else ():
        if path.name != "recording-set.yaml":
            path.unlink()


def mock_config(node: pytest.Item, settings: dict[str, Any], option: str | None) -> MockConfig:
    here = Path(str(node.path)).parent
    values = {k: v for k, v in settings.items() if k not in _PLUGIN_KEYS}
    values.setdefault("latency", "instant")
    mode = record_mode(settings, option)
    if mode:
        where = settings.get("recordings", True)
        values["recordings_dir"] = cassette_dir(node) if where is True else here / where
        if mode == "rewrite":
            rewrite(node, values["recordings_dir"])
            mode = "new_episodes"
        values["record_mode"] = mode
        values["upstream"] = settings.get("upstream", MockConfig.upstream)
    rules = settings.get("rules")
    values["rules_dir"] = here / rules if isinstance(rules, str | Path) else DEFAULT_RULES
    if not values["rules_dir"].exists():  # a typo must not leave the mock silently without rules
        raise pytest.UsageError(
            f"@pytest.mark.{MARKER}(rules={rules!r}): {values['rules_dir']} does not exist"
        )
    try:
        return MockConfig(**values)
    except (TypeError, ConfigError) as exc:
        raise pytest.UsageError(f"@pytest.mark.{MARKER}: {exc}") from None


def allowed_hosts(settings: dict[str, Any], config: MockConfig) -> list[str]:
    hosts = list(settings.get("allow_hosts") or ())
    if config.record_mode.records:
        hosts.append(urlsplit(config.upstream).hostname or "")
    return hosts


@pytest.fixture(scope="session")
def _mockclaude_loop() -> Iterator[AppLoop]:
    from mockclaude.testing.inprocess import AppLoop

    loop = AppLoop()
    yield loop
    loop.close()


class MockPool:
    """Mocks kept across tests, by configuration: a test whose settings match an earlier test's gets that
    mock back, reset (:meth:`MockClaude.reset`), instead of a new one. Recording mocks are never kept (their
    cassette is the test's own); at most ``size`` are kept, the least recently used closed first."""

    def __init__(self, loop: AppLoop, size: int = 4) -> None:
        self.loop = loop
        self.size = size
        self.idle: dict[MockConfig, MockClaude] = {}

    def take(self, config: MockConfig, shareable: bool = True) -> MockClaude:
        from mockclaude.testing.mock import MockClaude

        mock = self.idle.pop(config, None) if shareable and _poolable(config) else None
        return mock if mock is not None else MockClaude(config, self.loop)

    def give_back(self, config: MockConfig, mock: MockClaude, shareable: bool = True) -> None:
        if not (shareable and _poolable(config)):
            mock.close()
            return
        try:
            mock.reset()
        except Exception:
            mock.close()
            raise
        self.idle[config] = mock
        while len(self.idle) > self.size:
            self.idle.pop(next(iter(self.idle))).close()

    def close(self) -> None:
        for mock in self.idle.values():
            mock.close()
        self.idle.clear()


def _poolable(config: MockConfig) -> bool:
    try:
        hash(config)
    except TypeError:  # a marker value that is a list or a dict: build a mock for this test alone
        return False
    return not config.record_mode.records


@pytest.fixture(scope="session")
def _mockclaude_pool(_mockclaude_loop: AppLoop) -> Iterator[MockPool]:
    pool = MockPool(_mockclaude_loop)
    yield pool
    pool.close()


@pytest.fixture()
def mockclaude_config(request: pytest.FixtureRequest) -> MockConfig:
    """The :class:`~mockclaude.config.MockConfig` this test's mock is built from (marker settings)."""
    node = request.node
    return mock_config(node, marker_settings(node), request.config.getoption("--mockclaude-record-mode"))


@pytest.fixture()
def mockclaude_network(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, mockclaude_config: MockConfig
) -> None:
    """Blocks every host but loopback (and the marker's ``allow_hosts``) for this test."""
    import os

    from mockclaude.testing.netguard import PROXY_VARIABLES, NetworkGuard

    settings = marker_settings(request.node)
    if settings.get("allow_network"):
        return
    for variable in PROXY_VARIABLES:  # a proxy (even one on loopback) would carry requests to any host
        if variable in os.environ:
            monkeypatch.delenv(variable)
    guard = NetworkGuard(allowed_hosts(settings, mockclaude_config))
    for target, name, replacement in guard.patches():
        monkeypatch.setattr(target, name, replacement)


def _arm(mock: MockClaude, settings: dict[str, Any]) -> None:
    """The marker's added rules and faults, on a mock fresh or just reset; its matcher and record hooks."""
    matcher = settings.get("matcher")
    if matcher is not None:
        mock.use_matcher(matcher)
    pipeline = mock.app.pipeline
    if pipeline.upstream is not None:
        pipeline.upstream.before_record_request = settings.get("before_record_request")
        pipeline.upstream.before_record_response = settings.get("before_record_response")
    rules = settings.get("rules")
    if rules is not None and not isinstance(rules, str | Path):
        mock.add_rules(rules)
    for fault in settings.get("faults") or ():
        text, where = (fault, {}) if isinstance(fault, str) else (fault["fault"], {**fault})
        where.pop("fault", None)
        mock.faults.add(text, **where)


@pytest.fixture()
def mockclaude(
    request: pytest.FixtureRequest,
    mockclaude_config: MockConfig,
    mockclaude_network: None,
    _mockclaude_pool: MockPool,
) -> Iterator[MockClaude]:
    """The mock in this process, as if built for this test (fresh journal, faults, prompt cache): a mock of
    an earlier test with the same settings is reused after a reset, so a test pays milliseconds, not the
    loading of the contract."""
    settings = marker_settings(request.node)
    shareable = not any(settings.get(k) is not None for k in _TEST_HOOKS)
    mock = _mockclaude_pool.take(mockclaude_config, shareable)
    try:
        _arm(mock, settings)
        yield mock
    except BaseException:
        mock.close()
        raise
    else:
        _mockclaude_pool.give_back(mockclaude_config, mock, shareable)


@pytest.fixture(scope="session")
def mockclaude_session_config() -> MockConfig:
    """The configuration of :func:`mockclaude_session`; override this fixture in a conftest to change it."""
    return MockConfig(latency="instant")


@pytest.fixture(scope="session")
def mockclaude_session(
    mockclaude_session_config: MockConfig, _mockclaude_loop: AppLoop
) -> Iterator[MockClaude]:
    """One mock for the whole run, reset before every test that asks for it (journal, faults, batches,
    caches, added rules): built once, so a test costs only its own requests. The network guard and the
    test's marker ``faults``/``rules`` (added ones) apply per test."""
    from mockclaude.testing.mock import MockClaude

    mock = MockClaude(mockclaude_session_config, _mockclaude_loop)
    yield mock
    mock.close()


@pytest.fixture(scope="module")
def mockclaude_module(request: pytest.FixtureRequest, _mockclaude_loop: AppLoop) -> Iterator[MockClaude]:
    """One mock per test module, configured by the module's ``pytestmark = pytest.mark.mockclaude(...)``,
    reset before every test that asks for it, like :func:`mockclaude_session`."""
    from mockclaude.testing.mock import MockClaude

    node = request.node
    config = mock_config(node, marker_settings(node), request.config.getoption("--mockclaude-record-mode"))
    mock = MockClaude(config, _mockclaude_loop)
    yield mock
    mock.close()


_SHARED = ("mockclaude_session", "mockclaude_module")


@pytest.fixture(autouse=True)
def _mockclaude_autouse(request: pytest.FixtureRequest) -> None:
    """Before a test that uses a shared mock: reset it, guard the network, arm the marker's rules/faults.
    With ``--mockclaude-block-network``, guard every test's network. Otherwise a test pays one check."""
    shared = [name for name in _SHARED if name in request.fixturenames]
    if shared or request.config.getoption("--mockclaude-block-network"):
        request.getfixturevalue("mockclaude_network")
    if not shared:
        return
    settings = marker_settings(request.node)
    for name in shared:
        mock: MockClaude = request.getfixturevalue(name)
        mock.reset()
        _arm(mock, settings)


@pytest.fixture()
def mockclaude_client(mockclaude: MockClaude) -> Any:
    """An ``anthropic.Anthropic`` client answered in-process by the mock (strict response validation)."""
    return mockclaude.client()


@pytest.fixture()
def mockclaude_async_client(mockclaude: MockClaude) -> Any:
    """An ``anthropic.AsyncAnthropic`` client answered in-process by the mock."""
    return mockclaude.async_client()


@pytest.fixture()
def mockclaude_vertex_client(mockclaude: MockClaude) -> Any:
    """An ``anthropic.AnthropicVertex`` client answered in-process by the mock (on a port:
    ``mockclaude_server.vertex_client()``)."""
    return mockclaude.vertex_client()


@pytest.fixture()
def mockclaude_foundry_client(mockclaude: MockClaude) -> Any:
    """An ``anthropic.AnthropicFoundry`` client answered in-process by the mock (on a port:
    ``mockclaude_server.foundry_client()``)."""
    return mockclaude.foundry_client()


@pytest.fixture()
def mockclaude_bedrock_client(mockclaude: MockClaude) -> Any:
    """An ``anthropic.AnthropicBedrock`` client (SigV4, dummy AWS credentials) answered in-process by the
    mock's Bedrock routes (strict response validation)."""
    return mockclaude.bedrock_client()


@pytest.fixture()
def mockclaude_server(mockclaude: MockClaude, monkeypatch: pytest.MonkeyPatch) -> LiveServer:
    """The mock on a free port of 127.0.0.1; ``ANTHROPIC_BASE_URL`` points at it for this test."""
    import os

    server = mockclaude.serve(reuse=True)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", os.environ.get("ANTHROPIC_API_KEY") or server.api_key)
    if any(k.lower() in ("http_proxy", "https_proxy", "all_proxy") for k in os.environ):
        for name in ("NO_PROXY", "no_proxy"):  # a proxy from the environment must not stand before the mock
            monkeypatch.setenv(name, ",".join(filter(None, [os.environ.get(name), "127.0.0.1", "localhost"])))
    return server


@pytest.fixture()
def mockclaude_journal(mockclaude: MockClaude) -> Journal:
    """What the code under test asked the mock (in-process and live server alike)."""
    return mockclaude.journal


@pytest.fixture()
def mockclaude_faults(mockclaude: MockClaude) -> Faults:
    """Faults for this test: ``mockclaude_faults.add("529; times=2")``; cleared with the mock."""
    return mockclaude.faults
