"""Fingerprints, suppressions, configuration, baselines, cache, parallel runs."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from hefesto_core.analyzer import AnalyzerConfig, analyze_paths, analyze_source, load_config
from hefesto_core.analyzer.baseline import apply_baseline, read_baseline, write_baseline
from hefesto_core.errors import ConfigError

_CODE = "def f(d):\n    x = d.get('k')\n    return x.strip()\n\n\ndef g(s):\n    return s.split()[0]\n"


def test_fingerprint_survives_lines_inserted_above():
    before = analyze_source(_CODE, file_path="a.py", repo="r")
    after = analyze_source("import os\n\n# a comment\n\n" + _CODE, file_path="a.py", repo="r")
    assert [f.line_start + 4 for f in before] == [f.line_start for f in after]
    assert [f.finding_id for f in before] == [f.finding_id for f in after]
    other_repo = analyze_source(_CODE, file_path="a.py", repo="other")
    assert {f.finding_id for f in before}.isdisjoint(f.finding_id for f in other_repo)


def test_finding_fields():
    f = analyze_source(_CODE, file_path="pkg/a.py", repo="r")[0]
    assert (f.rule_id, f.issue_type, f.function_name, f.line_start, f.column) == (
        "POSSIBLE_NONE_DEREFERENCE",
        "POSSIBLE_NONE_DEREFERENCE",
        "pkg.a.f",
        3,
        12,
    )
    assert f.code_snippet == "return x.strip()"
    assert f.suggestion
    assert f.message
    assert 0 < f.confidence <= 1


def test_suppression_keeps_finding_as_ignored():
    code = (
        "def f(d):\n    x = d.get('k')\n"
        "    return x.strip()  # hefesto: ignore[POSSIBLE_NONE_DEREFERENCE] key always set\n"
    )
    (f,) = [
        f
        for f in analyze_source(code, file_path="a.py", repo="r")
        if f.rule_id == "POSSIBLE_NONE_DEREFERENCE"
    ]
    assert f.status == "ignored"
    other = code.replace("POSSIBLE_NONE_DEREFERENCE", "EVAL_USAGE")
    assert analyze_source(other, file_path="a.py", repo="r")[0].status == "open"


def test_config_file_thresholds_rules_and_severity(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent("""
        [tool.hefesto]
        disable = ["UNCHECKED_INDEX"]
        exclude = ["gen/**"]
        [tool.hefesto.severity]
        POSSIBLE_NONE_DEREFERENCE = "critical"
        [tool.hefesto.thresholds]
        max_parameters = 1
    """)
    )
    config = load_config(start=tmp_path)
    found = analyze_source(_CODE + "def h(a, b):\n    pass\n", file_path="a.py", repo="r", config=config)
    assert {f.rule_id for f in found} == {"POSSIBLE_NONE_DEREFERENCE", "LONG_PARAMETER_LIST"}
    assert next(f for f in found if f.rule_id == "POSSIBLE_NONE_DEREFERENCE").severity == "CRITICAL"
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "x.py").write_text(_CODE)
    (tmp_path / "a.py").write_text(_CODE)
    result = analyze_paths([tmp_path], repo="r", config=config, use_cache=False, jobs=1)
    assert [fr.file_path for fr in result.files] == ["a.py"]


def test_bad_config_is_an_error(tmp_path):
    (tmp_path / ".hefesto.toml").write_text('disable = ["NO_SUCH_RULE"]\n')
    with pytest.raises(ConfigError):
        load_config(start=tmp_path)


def test_exclude_is_a_glob_not_a_substring(tmp_path):
    for name in ("test_utils.py", "contest.py"):
        (tmp_path / name).write_text("x = 1\n")
    config = AnalyzerConfig().with_excludes(["test_*.py"])
    result = analyze_paths([tmp_path], repo="r", config=config, use_cache=False, jobs=1, root=tmp_path)
    assert [fr.file_path for fr in result.files] == ["contest.py"]


def _tree(tmp_path: Path, n: int) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for i in range(n):
        (src / f"m{i}.py").write_text(_CODE.replace("def f", f"def f{i}"))
    (src / "broken.py").write_text("def f(:\n")
    return src


def test_parallel_cache_and_parse_failures(tmp_path):
    src = _tree(tmp_path, 40)
    cold = analyze_paths(
        [src], repo="r", jobs=2, cache_dir=tmp_path / "cache", root=tmp_path, commit_sha="abc1234"
    )
    assert [p.file_path for p in cold.parse_failures] == ["src/broken.py"]
    assert cold.parse_failures[0].line == 1
    assert len(cold.files) == 40
    assert not any(fr.cached for fr in cold.files)
    warm = analyze_paths(
        [src], repo="r", jobs=2, cache_dir=tmp_path / "cache", root=tmp_path, commit_sha="def5678"
    )
    assert all(fr.cached for fr in warm.files)
    assert [f.finding_id for f in warm.findings()] == [f.finding_id for f in cold.findings()]
    assert {f.commit_sha for f in warm.findings()} == {"def5678"}
    assert warm.summary == cold.summary
    assert warm.summary.total == 80
    (src / "m0.py").write_text("x = 1\n")
    changed = analyze_paths([src], repo="r", jobs=1, cache_dir=tmp_path / "cache", root=tmp_path)
    assert [fr.file_path for fr in changed.files if not fr.cached] == ["src/m0.py"]


def test_baseline_reports_only_new_findings(tmp_path):
    src = _tree(tmp_path, 2)
    first = analyze_paths([src], repo="r", use_cache=False, jobs=1, root=tmp_path)
    write_baseline(first, tmp_path / "baseline.json")
    (src / "new.py").write_text("def z(s):\n    return eval(s)\n")
    second = analyze_paths([src], repo="r", use_cache=False, jobs=1, root=tmp_path)
    fresh = apply_baseline(second, read_baseline(tmp_path / "baseline.json"))
    assert [f.rule_id for f in fresh.findings()] == ["EVAL_USAGE"]
    assert fresh.summary.total == 1


def test_cache_keeps_at_most_max_entries(tmp_path):
    from hefesto_core.analyzer.cache import ResultCache

    with ResultCache(tmp_path, max_entries=3) as cache:
        cache.put_many([(f"k{i}", b"x") for i in range(5)])
        assert set(cache.get_many([f"k{i}" for i in range(5)])) == {"k2", "k3", "k4"}


def test_unwritable_cache_dir_does_not_stop_the_run(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    (tmp_path / "a.py").write_text("x = 1\n")
    result = analyze_paths([tmp_path / "a.py"], repo="r", cache_dir=blocker / "cache", root=tmp_path, jobs=1)
    assert [fr.file_path for fr in result.files] == ["a.py"]


def test_excluded_hidden_folders_are_pruned(tmp_path):
    (tmp_path / ".venv" / "lib").mkdir(parents=True)
    (tmp_path / ".venv" / "lib" / "x.py").write_text("x = 1\n")
    (tmp_path / "y.py").write_text("y = 1\n")
    result = analyze_paths([tmp_path], repo="r", use_cache=False, jobs=1, root=tmp_path)
    assert [fr.file_path for fr in result.files] == ["y.py"]
