"""Analyzer throughput over the running interpreter's standard library.

Measures, on the same files and in one run: a bare ``ast.parse``, the
analyzer cold (empty cache) and warm (everything cached), and ``radon cc``
plus ``bandit``. Prints a table and writes ``bench/results/analyzer.json``.

    .venv/bin/python bench/analyzer.py [--runs 3] [--jobs N] [--skip-bandit]
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import warnings
from pathlib import Path

from hefesto_core.analyzer import ANALYZER_VERSION, AnalyzerConfig, analyze_paths
from hefesto_core.analyzer.runner import discover

RESULTS = Path(__file__).parent / "results" / "analyzer.json"


def _files(root: Path, config: AnalyzerConfig) -> list[tuple[Path, str]]:
    return discover([root], root, config)


def _bare_parse(files: list[tuple[Path, str]]) -> float:
    start = time.perf_counter()
    for path, _ in files:
        with contextlib.suppress(SyntaxError, ValueError):
            ast.parse(path.read_bytes())
    return time.perf_counter() - start


def _radon(files: list[tuple[Path, str]]) -> float:
    from radon.complexity import cc_visit

    start = time.perf_counter()
    for path, _ in files:
        with contextlib.suppress(SyntaxError, ValueError):
            cc_visit(path.read_text(encoding="utf-8", errors="replace"))
    return time.perf_counter() - start


def _bandit(root: Path, exclude: str) -> float | None:
    exe = shutil.which("bandit") or str(Path(sys.executable).with_name("bandit"))
    if not Path(exe).exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run(
            [exe, "-q", "-r", str(root), "-x", exclude, "-f", "json", "-o", f"{tmp}/out.json"],
            capture_output=True,
            check=False,
        )
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-bandit", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    root = Path(sysconfig.get_paths()["stdlib"]).resolve()
    # The standard library only: not third-party packages installed beside it.
    config = AnalyzerConfig(exclude=["site-packages/**", "**/__pycache__/**"])
    files = _files(root, config)
    n = len(files)
    lines = sum(p.read_bytes().count(b"\n") for p, _ in files)
    print(
        f"{n} files, {lines} lines under {root}; {args.jobs} jobs, {args.runs} runs, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        flush=True,
    )

    parse = [_bare_parse(files) for _ in range(args.runs)]
    cold: list[float] = []
    warm: list[float] = []
    last = None
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as cache:
            t0 = time.perf_counter()
            last = analyze_paths(
                [root], repo="stdlib", config=config, jobs=args.jobs, cache_dir=Path(cache), root=root
            )
            cold.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            again = analyze_paths(
                [root], repo="stdlib", config=config, jobs=args.jobs, cache_dir=Path(cache), root=root
            )
            warm.append(time.perf_counter() - t0)
            assert all(fr.cached for fr in again.files), "warm run re-analyzed files"
    assert last is not None
    radon = [_radon(files) for _ in range(args.runs)]
    bandit = None if args.skip_bandit else _bandit(root, f"{root}/site-packages")

    def row(name: str, seconds: float | None, runs: int, note: str = "") -> dict[str, object]:
        if seconds is None:
            return {"name": name, "skipped": True}
        return {
            "name": name,
            "seconds": round(seconds, 3),
            "files_per_s": round(n / seconds, 1),
            "lines_per_s": round(lines / seconds),
            "runs": runs,
            "note": note,
        }

    rows = [
        row("ast.parse (bare, 1 process)", statistics.median(parse), len(parse)),
        row(f"hefesto analyze cold ({args.jobs} jobs)", statistics.median(cold), len(cold), "empty cache"),
        row(
            f"hefesto analyze warm ({args.jobs} jobs)", statistics.median(warm), len(warm), "all files cached"
        ),
        row("radon cc (1 process)", statistics.median(radon), len(radon)),
        row("bandit -r (1 process)", bandit, 1),
    ]
    if bandit is not None:
        rows.append(row("radon cc + bandit", statistics.median(radon) + bandit, 1))
    print(f"{'':42} {'seconds':>8} {'files/s':>9} {'lines/s':>10}")
    for r in rows:
        if r.get("skipped"):
            print(f"{r['name']:42} skipped")
        else:
            print(f"{r['name']:42} {r['seconds']:>8} {r['files_per_s']:>9} {r['lines_per_s']:>10}")
    parse_rate = n / statistics.median(parse)
    cold_rate = n / statistics.median(cold)
    warm_rate = n / statistics.median(warm)
    targets = {
        "cold_files_per_s>=500": cold_rate >= 500,
        "cold>=70%_of_bare_parse": cold_rate >= 0.7 * parse_rate,
        "warm_files_per_s>=5000": warm_rate >= 5000,
    }
    print(f"cold = {cold_rate / parse_rate:.0%} of the bare parse rate; targets: {targets}")
    print(
        f"findings {last.summary.total} {last.summary.by_severity.model_dump()}, "
        f"parse failures {len(last.parse_failures)}"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "analyzer_version": ANALYZER_VERSION,
                "python": platform.python_version(),
                "cores": os.cpu_count(),
                "jobs": args.jobs,
                "files": n,
                "lines": lines,
                "root": str(root),
                "rows": rows,
                "cold_vs_bare_parse": round(cold_rate / parse_rate, 3),
                "targets_met": targets,
                "findings": last.summary.model_dump(),
                "parse_failures": len(last.parse_failures),
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
