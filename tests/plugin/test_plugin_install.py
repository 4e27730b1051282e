"""The install story, as a user's project outside this repository lives it.

The wheel and sdist are built from this checkout (``python -m build``); the wheel is installed with the
``pytest`` extra into a fresh virtual environment in a temporary folder; a user's test file there records
against a second mock (started from that environment, ``python -m mockclaude serve``) as the upstream, a
message and a batch, and replays both with the upstream stopped. Takes a minute; run it alone with ``pytest -m install``. Installing needs
the package index pip is configured with: without it the test is skipped, saying so.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.support.server import free_port

pytestmark = [pytest.mark.install, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]

USER_TEST = """
import os
import time
import pytest

ASK = dict(model="claude-haiku-4-5", max_tokens=100)
UPSTREAM = os.environ["MOCK_UPSTREAM"]
ANSWERS = os.path.join(os.path.dirname(__file__), "answers.txt")


@pytest.mark.mockclaude(recordings=True, record_mode="once", upstream=UPSTREAM)
def test_message(mockclaude_client, mockclaude_journal):
    text = mockclaude_client.messages.create(
        **ASK, messages=[{"role": "user", "content": "Record me in a user project"}]
    ).content[0].text
    origin = mockclaude_journal.last()["origin"]
    if os.environ.get("REPLAY"):
        assert origin.startswith("recording"), origin
        assert open(ANSWERS).read() == text
    else:
        assert not (origin or "").startswith("recording"), origin  # relayed from the upstream
        open(ANSWERS, "w").write(text)


@pytest.mark.mockclaude(recordings=True, record_mode="once", upstream=UPSTREAM)
def test_batch(mockclaude_client):
    batches = mockclaude_client.messages.batches
    batch = batches.create(requests=[{"custom_id": "q", "params": {**ASK, "messages": [{"role": "user", "content": "17 * 23?"}]}}])
    for _ in range(300):
        if batch.processing_status == "ended":
            break
        time.sleep(0.1)
        batch = batches.retrieve(batch.id)
    text = next(iter(batches.results(batch.id))).result.message.content[0].text
    if os.environ.get("REPLAY"):
        assert open(ANSWERS + ".batch").read() == text
    else:
        open(ANSWERS + ".batch", "w").write(text)
"""


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def test_wheel_installs_and_records_then_replays_in_a_user_project(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], cwd=tmp_path)
    wheel = next(dist.glob("mockclaude-*.whl"))
    assert next(dist.glob("mockclaude-*.tar.gz"))

    env_dir = tmp_path / "user-venv"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    installed = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"{wheel}[pytest]"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if installed.returncode != 0 and "No matching distribution" in installed.stderr:
        pytest.skip(f"the package index is not reachable: {installed.stderr.strip()[-300:]}")
    assert installed.returncode == 0, installed.stderr

    project = tmp_path / "user-project"
    project.mkdir()
    (project / "test_bot.py").write_text(USER_TEST, encoding="utf-8")
    port = free_port()
    env = {
        **os.environ,
        "MOCK_UPSTREAM": f"http://127.0.0.1:{port}",
        "ANTHROPIC_API_KEY": "sk-ant-user-project-key",
        "PYTHONPATH": "",
    }
    pytest_argv = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_bot.py"]
    upstream = subprocess.Popen(
        [
            python,
            "-m",
            "mockclaude",
            "serve",
            "--port",
            str(port),
            "--latency",
            "instant",
            "--batch-processing-s",
            "1",
        ],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(port, upstream)
        run(pytest_argv, cwd=project, env=env)
    finally:
        upstream.terminate()
        upstream.wait(15)
    recorded = list((project / "recordings" / "test_bot" / "test_message").glob("*.yaml"))
    assert len(recorded) == 1, recorded
    batch = list((project / "recordings" / "test_bot" / "test_batch").glob("*.yaml"))
    assert len(batch) >= 3, batch  # the creation, its polls, the results
    assert not any("sk-ant-user-project-key" in p.read_text() for p in recorded + batch)

    run(pytest_argv, cwd=project, env={**env, "REPLAY": "1"})  # the upstream is stopped


def wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    import time

    import httpx2

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the upstream mock exited at start"
        try:
            httpx2.get(f"http://127.0.0.1:{port}/_mock/health", timeout=1)
            return
        except httpx2.TransportError:
            time.sleep(0.1)
    raise AssertionError("the upstream mock did not start in 60 s")
