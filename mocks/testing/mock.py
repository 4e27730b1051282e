"""The mock inside a test suite: one app, reached in-process (no port) or through a live loopback server.

:class:`MockClaude` builds the app from a :class:`~mockclaude.config.MockConfig` and runs it on its own
event-loop thread; ``client()`` and ``async_client()`` are official SDK clients wired to it through an
in-process transport of the HTTP library the installed SDK uses; ``serve()`` puts the same app (same
journal, faults, prompt cache) on a free port of 127.0.0.1. Both expose the journal, faults and rules
through the admin API over their own HTTP path, so tests read the same in both modes.
Usable without pytest (the plugin in :mod:`mockclaude.testing.pytest_plugin` wraps it in fixtures)::

    with MockClaude(MockConfig(latency="instant")) as mock:
        print(mock.client().messages.create(...).content[0].text)
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
import tempfile
import time
import weakref
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx2

from mockclaude.config import MockConfig
from mockclaude.errors import ApiError
from mockclaude.files import dumps_yaml
from mockclaude.protocol.catalog import ModelCatalog
from mockclaude.protocol.contract import Contract
from mockclaude.sources.upstream import KeyPolicy
from mockclaude.testing.admin_client import Admin, AdminError, Faults, Journal
from mockclaude.testing.inprocess import AppLoop, sdk_http_module, transports
from mockclaude.wire.request import Request

IN_PROCESS_URL = "http://mockclaude.invalid"
PLACEHOLDER_KEY = "sk-ant-mockclaude-test"
VERTEX_PROJECT, VERTEX_REGION = "mockclaude-project", "us-east5"  # what vertex_client() names


class Endpoint:
    """What a test uses of a running mock: SDK clients, the journal, faults, rules, reset."""

    def __init__(
        self, base_url: str, admin_http: httpx2.Client, rules: RuleFiles, api_key: str, admin_token: str = ""
    ) -> None:
        self.base_url = base_url
        self.api_key = api_key
        self.admin = Admin(admin_http, admin_token)
        self.journal = Journal(self.admin)
        self.faults = Faults(self.admin)
        self.rules = rules

    def sdk_http_client(self, asynchronous: bool) -> Any:
        """The ``http_client`` for SDK clients, or None for the SDK's own (a live server)."""
        return None

    def _sdk_options(self, options: dict[str, Any], asynchronous: bool, path: str = "") -> dict[str, Any]:
        http_client = self.sdk_http_client(asynchronous)
        return {
            "api_key": self.api_key,
            "base_url": self.base_url + path,
            "_strict_response_validation": True,
            **({"http_client": http_client} if http_client is not None else {}),
            **options,
        }

    def client(self, **options: Any) -> Any:
        """An ``anthropic.Anthropic`` client of this mock, strict; ``options`` go to its constructor."""
        import anthropic

        return anthropic.Anthropic(**self._sdk_options(options, False))

    def async_client(self, **options: Any) -> Any:
        """An ``anthropic.AsyncAnthropic`` client of this mock, strict."""
        import anthropic

        return anthropic.AsyncAnthropic(**self._sdk_options(options, True))

    def vertex_client(self, **options: Any) -> Any:
        """An ``anthropic.AnthropicVertex`` client of this mock (region ``us-east5``, project
        ``mockclaude-project``, the mock's key as the access token), strict; ``options`` override."""
        import anthropic

        settings = self._sdk_options(options, False, "/v1")
        access_token = settings.pop("api_key")
        return anthropic.AnthropicVertex(
            **{
                "region": VERTEX_REGION,
                "project_id": VERTEX_PROJECT,
                "access_token": access_token,
                **settings,
            }
        )

    def foundry_client(self, **options: Any) -> Any:
        """An ``anthropic.AnthropicFoundry`` client of this mock (the mock's key as its API key), strict."""
        import anthropic

        return anthropic.AnthropicFoundry(**self._sdk_options(options, False, "/anthropic/"))

    def bedrock_client(self, **options: Any) -> Any:
        """An ``anthropic.AnthropicBedrock`` client of this mock's Bedrock routes, strict: SigV4 with dummy
        AWS credentials (``api_key=...`` for a Bedrock API key instead); ``options`` go to its constructor."""
        import anthropic

        settings = {"aws_region": "us-east-1", **self._sdk_options(options, False)}
        if "api_key" not in options:  # the access key id stands for the caller, as a key does first-party
            settings["aws_access_key"], settings["aws_secret_key"] = settings.pop("api_key"), "mockclaude"
        return anthropic.AnthropicBedrock(**settings)

    def add_rules(self, rules: Any) -> Path:
        """Add rules (a list of rule mappings, ``{"rules": [...]}`` or YAML text) ahead of the others, in
        force from the next request. Returns the file written. Rules the mock refuses raise
        :class:`~mockclaude.testing.admin_client.AdminError` naming the field, and are not kept."""
        path = self.rules.add(rules)
        try:
            self.admin.reload()
        except AdminError:
            path.unlink()
            raise
        return path

    def reset(self) -> None:
        self.admin.reset()


class RuleFiles:
    """A private rules directory: copies of a base set, and rules added during a test (which win).

    A base that does not exist is an error naming it (a typo must not leave the mock without rules)."""

    def __init__(self, base: Path | None) -> None:
        if base is not None and not base.exists():
            raise FileNotFoundError(f"mockclaude: the rules directory or file {str(base)!r} does not exist")
        files = [] if base is None else [base] if base.is_file() else sorted(base.glob("*.yaml"))
        self.directory = Path(tempfile.mkdtemp(prefix="mockclaude-rules-"))
        self._added = 0
        for path in files:
            shutil.copyfile(path, self.directory / f"50-{path.name}")

    def add(self, rules: Any) -> Path:
        if isinstance(rules, list):
            rules = {"rules": rules}
        text = rules if isinstance(rules, str) else dumps_yaml(rules)
        self._added += 1
        path = self.directory / f"10-added-{self._added:03d}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    def clear_added(self) -> bool:
        """Remove the rules added during a test; True when there were some (the mock must reload)."""
        added = sorted(self.directory.glob("10-added-*.yaml"))
        for path in added:
            path.unlink()
        self._added = 0
        return bool(added)

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


@functools.lru_cache(maxsize=8)
def compiled(spec_path: Path, catalog_path: Path) -> tuple[Contract, ModelCatalog]:
    """The compiled contract and the model catalog, loaded once per process and shared by every mock built
    from the same files (they are read-only once loaded): a test pays for its state, not for the YAML."""
    return Contract(spec_path), ModelCatalog.load(catalog_path)


def _real_keys_only(upstream: str) -> KeyPolicy:
    """A key policy refusing requests without a real key: forwarding the placeholder would only record
    the upstream's 401 as the cassette. The client gets a 401 naming ``ANTHROPIC_API_KEY``."""

    def policy(request: Request) -> None:
        if request.api_key and request.api_key != PLACEHOLDER_KEY:
            return
        raise ApiError(
            401,
            f"mockclaude: recording {request.method} {request.path} needs a real API key for {upstream}: "
            "set ANTHROPIC_API_KEY (the fixtures' clients send it when recording). Nothing was forwarded "
            "or recorded; replaying existing recordings needs no key.",
            invented=True,
        )

    return policy


class MockClaude(Endpoint):
    """The mock app in this process, reached through in-process transports; ``serve()`` adds a port."""

    def __init__(self, config: MockConfig | None = None, loop: AppLoop | None = None) -> None:
        from mockclaude.server.app import MockApp

        config = config or MockConfig(latency="instant")
        rules = RuleFiles(config.rules_dir)
        try:
            self.config = replace(config, rules_dir=rules.directory)
            contract, catalog = compiled(self.config.spec_path, self.config.catalog_path)
            policy = _real_keys_only(self.config.upstream.rstrip("/"))
            self.app = MockApp(self.config, contract, catalog, key_policy=policy)
        except BaseException:
            rules.remove()
            raise
        # Its temporary rules folder goes when the mock is closed, or garbage collected without close().
        self._cleanup = weakref.finalize(self, rules.remove)
        self.loop = loop or AppLoop()
        self._owns_loop = loop is None
        self.servers: list[LiveServer] = []
        self._client: Any = None
        # Recording forwards the client's key to the upstream: a real one from the environment then; else
        # the first key the mock accepts (api_keys), or a placeholder when it accepts any.
        recording = self.config.record_mode.records
        accepted = self.config.api_keys[0] if self.config.api_keys else PLACEHOLDER_KEY
        api_key = (recording and os.environ.get("ANTHROPIC_API_KEY")) or accepted
        super().__init__(
            IN_PROCESS_URL, self.http_client(http=httpx2), rules, api_key, self.config.admin_token
        )

    def transport(self, http: ModuleType | None = None, asynchronous: bool = False) -> Any:
        """An in-process transport for ``http`` (``httpx2`` or ``httpx``; default: the SDK's library)."""
        sync_class, async_class = transports(http or sdk_http_module())
        return (async_class if asynchronous else sync_class)(self.app, self.loop)

    def http_client(self, http: ModuleType | None = None, asynchronous: bool = False, **options: Any) -> Any:
        """A plain ``Client``/``AsyncClient`` of ``http`` with base URL and transport set to this mock."""
        http = http or sdk_http_module()
        factory = http.AsyncClient if asynchronous else http.Client
        # trust_env=False: proxy variables would mount proxy transports in front of ours
        options.setdefault("trust_env", False)
        return factory(base_url=IN_PROCESS_URL, transport=self.transport(http, asynchronous), **options)

    def sdk_http_client(self, asynchronous: bool) -> Any:
        return self.http_client(asynchronous=asynchronous)

    def client(self, **options: Any) -> Any:
        """An ``anthropic.Anthropic`` client of this mock, strict; without ``options`` the same one each time
        (until it is closed), which a reused mock hands to every test."""
        if options:
            return super().client(**options)
        if self._client is None or self._client.is_closed():
            self._client = super().client()
        return self._client

    def reset(self) -> None:
        """Back to the state it was built in, without rebuilding it: the journal, stats, armed faults,
        rate-limit buckets, batches, prompt cache and answer memo are cleared and rules added since are
        removed; live servers keep running (their port is reused). What the shared fixtures do between
        tests."""
        if self.rules.clear_added():
            self.admin.reload()
        # Between tests no request is in flight: reset in this thread (no round trip to the app's loop).
        self.app.reset()

    def use_matcher(self, matcher: Any) -> None:
        """Match recordings with ``matcher``: a function of the request body returning what decides the
        match (``lambda body: body["messages"][-1]``), or a :class:`~mockclaude.store.matchers.Matcher`."""
        from mockclaude.store.matchers import Matcher

        if not isinstance(matcher, Matcher):
            if not callable(matcher):
                raise TypeError(
                    f"mockclaude: matcher must be a function of the request body, not {matcher!r}"
                )
            matcher = Matcher("custom", function=matcher)
        self.app.pipeline.recordings.use_matcher(matcher)

    def serve(self, reuse: bool = False) -> LiveServer:
        """The same app on a free port of 127.0.0.1 (stopped by :meth:`close`); ``reuse``: the one already
        running, if any."""
        if reuse and self.servers:
            return self.servers[0]
        server = LiveServer(self)
        self.servers.append(server)
        return server

    def close(self) -> None:
        for server in self.servers:
            server.close()
        self.servers.clear()
        upstream = self.app.pipeline.upstream
        if upstream is not None:
            self.loop.run(upstream.close())
        self.admin.http.close()
        if self._client is not None:
            self._client.close()
        if self._owns_loop:
            self.loop.close()
        self._cleanup()

    def __enter__(self) -> MockClaude:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LiveServer(Endpoint):
    """The app of a :class:`MockClaude` served by uvicorn on its loop, on a free port of 127.0.0.1."""

    def __init__(self, mock: MockClaude) -> None:
        from mockclaude.server.connection import MockServer, server_config

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        settings = server_config(mock.app, mock.config, lifespan="off", log_config=None, log_level="warning")
        self._server = MockServer(settings, mock.app)
        self._done = mock.loop.submit(self._server.serve(sockets=[sock]))
        deadline = time.monotonic() + 10
        while not self._server.started:
            if self._done.done():
                self._done.result()  # raises what stopped it
                raise RuntimeError("mockclaude: the live server stopped before it started")
            if time.monotonic() > deadline:
                raise RuntimeError("mockclaude: the live server did not start in 10 s")
            time.sleep(0.005)
        base_url = f"http://127.0.0.1:{port}"
        super().__init__(
            base_url,
            httpx2.Client(base_url=base_url, timeout=30, trust_env=False),
            mock.rules,
            mock.api_key,
            mock.config.admin_token,
        )

    def close(self) -> None:
        self._server.should_exit = True
        self._done.result(15)
        self.admin.http.close()
