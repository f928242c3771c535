from pathlib import Path

from hefesto_core.analyzer import AnalyzerConfig
from hefesto_core.analyzer.runner import discover


def _tree(root: Path) -> None:
    for rel in (
        "svc/app.py",
        "svc/pkg/core.py",
        "svc/pkg/deep/leaf.py",
        "svc/pkg/notes.txt",
        "svc/build/gen.py",
        "tools/run.py",
    ):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def _rels(found: list[tuple[Path, str]]) -> list[str]:
    return [rel for _, rel in found]


def test_paths_are_relative_to_the_root_not_to_the_folder_walked(tmp_path):
    _tree(tmp_path)
    found = discover([tmp_path / "svc"], tmp_path, AnalyzerConfig(exclude=[]))
    assert _rels(found) == ["svc/app.py", "svc/build/gen.py", "svc/pkg/core.py", "svc/pkg/deep/leaf.py"]
    assert all(path == tmp_path / rel for path, rel in found)


def test_the_root_itself_excluded_folders_and_explicit_files(tmp_path):
    _tree(tmp_path)
    config = AnalyzerConfig(exclude=["**/build/**"])
    assert _rels(discover([tmp_path], tmp_path, config)) == [
        "svc/app.py",
        "svc/pkg/core.py",
        "svc/pkg/deep/leaf.py",
        "tools/run.py",
    ]
    # A file named explicitly is analyzed even though a folder walk would skip it.
    explicit = discover([tmp_path / "svc" / "build" / "gen.py", tmp_path / "tools"], tmp_path, config)
    assert _rels(explicit) == ["svc/build/gen.py", "tools/run.py"]
