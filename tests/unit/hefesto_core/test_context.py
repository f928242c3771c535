"""Code context: enclosing symbol, span, complexity, findings inside, git history, path sandboxing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hefesto_core.analyzer import analyze_source
from hefesto_core.context import code_context
from hefesto_core.errors import InvalidFilePathError

_CODE = (
    "import os\n\n\n"
    "class Service:\n"
    "    def handle(self, d):\n"
    "        v = d.get('k')\n"
    "        if d:\n"
    "            return v.strip()\n"
    "        return ''\n"
)


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), *args],
        check=True,
        capture_output=True,
        env={
            "GIT_AUTHOR_NAME": "Ada",
            "GIT_AUTHOR_EMAIL": "ada@example.com",
            "GIT_COMMITTER_NAME": "Ada",
            "GIT_COMMITTER_EMAIL": "ada@example.com",
            "PATH": "/usr/bin:/bin",
            "HOME": str(root),
        },
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "api.py").write_text(_CODE)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "add service")
    return tmp_path


def test_context_of_a_line_in_a_method(repo):
    findings = analyze_source(_CODE, file_path="svc/api.py", repo="acme")
    res = code_context(repo, "svc/api.py", 8, findings=findings)
    ctx = res.context
    assert ctx.function_name == "svc.api.Service.handle"
    assert (res.span_start, res.span_end, res.kind) == (5, 9, "function")
    assert ctx.complexity == 2
    assert ctx.code_snippet is not None
    assert ">8 |             return v.strip()" in ctx.code_snippet
    assert [f.rule_id for f in res.findings] == ["POSSIBLE_NONE_DEREFERENCE"]
    assert len(ctx.recent_changes) == 1
    change = ctx.recent_changes[0]
    assert (change.author, change.summary, len(change.sha)) == ("Ada", "add service", 40)


def test_context_module_level_and_without_git(tmp_path):
    (tmp_path / "m.py").write_text("X = 1\nY = 2\n")
    res = code_context(tmp_path, "m.py", 2)
    assert res.kind == "module"
    assert res.context.function_name is None
    assert res.context.recent_changes == []


@pytest.mark.parametrize(
    "bad", ["../etc/passwd", "/etc/passwd", "svc/../../x.py", "C:/x.py", "svc\\api.py", ""]
)
def test_paths_outside_roots_are_refused(repo, bad):
    with pytest.raises(InvalidFilePathError):
        code_context(repo, bad, 1)


def test_symlink_escape_is_refused(repo, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.py"
    outside.write_text("x = 1\n")
    (repo / "svc" / "link.py").symlink_to(outside)
    with pytest.raises(InvalidFilePathError):
        code_context(repo, "svc/link.py", 1)
