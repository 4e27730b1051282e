"""Every recording's request and answer validate against the spec, so recorded data cannot drift from the
contract unnoticed. Read straight from the YAML files (not through the mock's own loader): the request body
against the operation's request schema, the answer against the documented status, content type and schema
(a recorded stream event by event and against the event grammar).

Recording sets: the shipped ones under `mocks/content/recordings/`, `tests/recordings/` if present, and any
directories listed in `MOCKCLAUDE_CONTRACT_RECORDINGS` (separated by `:`).
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockclaude.protocol.contract import Contract
from tests.contract.spec_adapter import REPO, SPEC, raw_document
from tests.support.conformance import ResponseConformance

DIRECTORIES = [REPO / "mocks" / "content" / "recordings", REPO / "tests" / "recordings"] + [
    Path(p) for p in os.environ.get("MOCKCLAUDE_CONTRACT_RECORDINGS", "").split(":") if p
]
RECORDINGS = sorted(
    path
    for directory in DIRECTORIES
    if directory.is_dir()
    for path in directory.rglob("*.yaml")
    if path.name != "recording-set.yaml"
)


@cache
def conformance() -> ResponseConformance:
    return ResponseConformance(Contract(SPEC))


def request_schema_name(method: str, path: str) -> str | None:
    """The component name of the operation's JSON request body, or None when it has no body."""
    for template, item in raw_document()["paths"].items():
        segments, actual = template.strip("/").split("/"), path.strip("/").split("/")
        if len(segments) != len(actual) or method.lower() not in item:
            continue
        if all(s == a or s.startswith("{") for s, a in zip(segments, actual, strict=True)):
            body = item[method.lower()].get("requestBody")
            if body is None:
                return None
            return str(body["content"]["application/json"]["schema"]["$ref"]).rsplit("/", 1)[-1]
    raise AssertionError(f"{method} {path}: no operation in the spec")


def answer_bytes(response: dict[str, Any]) -> bytes:
    if "events" in response:
        return "".join(
            f"event: {e['event']}\ndata: {json.dumps(e['data'])}\n\n" for e in response["events"]
        ).encode()
    return json.dumps(response["body"]).encode()


def test_recordings_are_found() -> None:
    assert len(RECORDINGS) >= 10, f"expected the shipped recordings, found {RECORDINGS}"


def check_recording(path: Path) -> None:
    """Raise AssertionError naming the file, the part and the problem when the recording breaks the spec."""
    document = yaml.safe_load(path.read_text())
    request, response = document["request"], document["response"]
    method, url_path = request["method"], request["path"].split("?")[0]
    name = request_schema_name(method, url_path)
    if name is not None:
        validator = conformance().contract.schema_validator(name)
        errors = sorted(validator.iter_errors(request["body"]), key=lambda e: list(map(str, e.absolute_path)))
        where = ".".join(map(str, errors[0].absolute_path)) if errors else ""
        assert not errors, f"{path}: request body, {name} at {where or '<root>'}: {errors[0].message}"
    content_type = response.get("headers", {}).get("content-type", "application/json")
    try:
        conformance().check(method, url_path, response["status"], content_type, answer_bytes(response))
    except AssertionError as exc:
        raise AssertionError(f"{path}: answer: {exc}") from None


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.name)
def test_recording_conforms_to_the_spec(path: Path) -> None:
    check_recording(path)


SEED = REPO / "mocks" / "content" / "recordings" / "seed"


@pytest.mark.parametrize(
    ("seed", "drift", "problem"),
    [
        ("hello.yaml", lambda d: d["response"]["body"].pop("usage"), "'usage' is a required property"),
        (
            "hello.yaml",
            lambda d: d["request"]["body"].update(temperature=3),
            "request body, MessageCreateParams",
        ),
        (
            "streamed-story.yaml",
            lambda d: d["response"]["events"].pop(),
            "stream does not end with message_stop",
        ),
        ("overloaded.yaml", lambda d: d["response"].update(status=418), "status 418 is not documented"),
    ],
)
def test_a_drifted_recording_is_caught(tmp_path: Path, seed: str, drift: Any, problem: str) -> None:
    document = yaml.safe_load((SEED / seed).read_text())
    drift(document)
    path = tmp_path / seed
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(AssertionError, match=problem):
        check_recording(path)
