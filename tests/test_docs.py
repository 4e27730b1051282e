"""The documentation cannot go stale: the layout page against the package tree, the CLI page against
``serve --help`` and the configuration, every relative link against the files, and the README's tour test."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mockclaude.config import MockConfig
from tests.support.readme_blocks import ROOT, block, pages

PACKAGE = ROOT / "mocks"
LAYOUT = ROOT / "docs" / "reference" / "layout.md"
CLI = ROOT / "docs" / "reference" / "cli.md"


def layout_paths() -> set[str]:
    """Every `mocks/...` path the layout page names in backticks."""
    return set(re.findall(r"`(mocks/[\w./-]*)`", LAYOUT.read_text(encoding="utf-8")))


def test_layout_lists_every_module_of_the_package() -> None:
    named = layout_paths()
    modules = sorted(
        p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts
    )
    missing = [m for m in modules if m not in named]
    assert not missing, f"docs/reference/layout.md does not list: {', '.join(missing)}"


def test_layout_lists_every_subpackage() -> None:
    named = layout_paths()
    packages = sorted(f"{p.parent.relative_to(ROOT).as_posix()}/" for p in PACKAGE.rglob("__init__.py"))
    missing = [p for p in packages[1:] if p not in named and not any(n.startswith(p) for n in named)]
    assert not missing, f"docs/reference/layout.md has no section for: {', '.join(missing)}"


def test_every_path_the_layout_names_exists() -> None:
    gone = sorted(p for p in layout_paths() if not (ROOT / p).exists())
    assert not gone, f"docs/reference/layout.md names what does not exist: {', '.join(gone)}"


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(page: Path) -> None:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)  # links, not code
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # absolute URLs and anchors within the page
        path = (page.parent / target.split("#", 1)[0]).resolve()
        if not path.exists():
            broken.append(target)
    assert not broken, f"{page.relative_to(ROOT)}: links to missing files: {', '.join(broken)}"


def test_docs_have_the_pages_the_readme_promises() -> None:
    assert len(pages()) > 20
    for kind in ("tutorials", "how-to", "reference"):
        assert list((ROOT / "docs" / kind).glob("*.md")), kind


def serve_help_flags() -> set[str]:
    done = subprocess.run(
        [sys.executable, "-m", "mockclaude", "serve", "--help"], capture_output=True, text=True, check=True
    )
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", done.stdout)) - {"--help"}


def test_cli_page_documents_every_flag_of_serve() -> None:
    flags = serve_help_flags()
    assert "--port" in flags and "--record-mode" in flags  # the extraction itself works
    documented = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", CLI.read_text(encoding="utf-8")))
    missing = sorted(flags - documented)
    assert not missing, f"docs/reference/cli.md does not document: {', '.join(missing)}"


def test_cli_page_names_only_real_environment_variables() -> None:
    real = {f"MOCKCLAUDE_{f.name.upper()}" for f in dataclasses.fields(MockConfig)}
    named = set(re.findall(r"MOCKCLAUDE_[A-Z0-9_]*[A-Z0-9]", CLI.read_text(encoding="utf-8")))
    assert named, "docs/reference/cli.md names no MOCKCLAUDE_ variable"
    unknown = sorted(named - real)
    assert not unknown, f"docs/reference/cli.md names variables that are not options: {', '.join(unknown)}"
    undocumented = sorted(real - named)
    assert not undocumented, f"docs/reference/cli.md does not document: {', '.join(undocumented)}"


@pytest.mark.parametrize("marker", ["# test_tour.py", "# test_first.py"])
def test_documented_test_files_pass(marker: str, pytester: pytest.Pytester) -> None:
    code = block("python", marker)
    pytester.makepyfile(**{marker.split()[1].removesuffix(".py"): code})
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(re.findall(r"^def test_", code, flags=re.M)))


def test_admin_page_documents_every_route_of_the_admin_spec() -> None:
    spec = yaml.safe_load((ROOT / "openapi" / "mock-admin.yaml").read_text(encoding="utf-8"))
    routes = [
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert "DELETE /_mock/faults/{fault_id}" in routes  # the extraction itself works
    page = (ROOT / "docs" / "reference" / "admin-api.md").read_text(encoding="utf-8")
    missing = [route for route in routes if f"`{route}`" not in page]
    assert not missing, f"docs/reference/admin-api.md does not document: {', '.join(missing)}"
