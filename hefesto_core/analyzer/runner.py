"""Many files: discovery (include/exclude globs), the content-hash cache,
and process-parallel analysis with an optional progress callback."""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import os
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import ParamSpec, TypeVar

import orjson
from pydantic import TypeAdapter, ValidationError

from hefesto_core.analyzer.cache import ResultCache, cache_key
from hefesto_core.analyzer.config import AnalyzerConfig
from hefesto_core.analyzer.engine import analyze_file_payload, analyzer_digest
from hefesto_core.analyzer.result import AnalysisResult, FileResult, ParseFailure, started_now
from hefesto_core.analyzer.source import path_matches
from hefesto_core.analyzer.trusted import load_findings
from hefesto_core.errors import AnalysisError
from hefesto_core.models import Finding

__all__ = ["Progress", "analyze_paths", "discover", "find_root", "git_head"]

Progress = Callable[[int, int], None]
"""Called with (files done, files total)."""
_log = logging.getLogger(__name__)
_P = ParamSpec("_P")
_R = TypeVar("_R")

_FINDINGS = TypeAdapter(list[Finding])
_BATCH = 12


def find_root(paths: Sequence[Path]) -> Path:
    """The git work tree containing the first path, else the common folder."""
    first = paths[0].resolve()
    for folder in (first if first.is_dir() else first.parent, *first.parents):
        if (folder / ".git").exists():
            return folder
    dirs = [p.resolve() if p.is_dir() else p.resolve().parent for p in paths]
    return Path(os.path.commonpath([str(d) for d in dirs]))


def git_head(root: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = out.stdout.strip()
    return sha if out.returncode == 0 and sha else None


def discover(paths: Sequence[Path], root: Path, config: AnalyzerConfig) -> list[tuple[Path, str]]:
    """(absolute path, repo-relative POSIX path) of every file to analyze.
    Files named explicitly are analyzed even if include patterns miss them;
    excludes apply to everything found by walking folders."""
    found: dict[str, Path] = {}
    for p in paths:
        p = p.resolve()
        if not p.exists():
            raise AnalysisError(f"path does not exist: {p}")
        if p.is_file():
            found.setdefault(_rel(p, root), p)
            continue
        # Strings while walking: building pathlib objects per folder and per
        # file was a fifth of the walk's time over the stdlib.
        top, top_rel = str(p), _rel(p, root)
        for dirpath, dirnames, filenames in os.walk(top):
            sub = os.path.relpath(dirpath, top)
            rel_dir = top_rel if sub == "." else _join(top_rel, sub.replace(os.sep, "/"))
            dirnames[:] = sorted(
                d for d in dirnames if not path_matches(f"{_join(rel_dir, d)}/x", config.exclude)
            )
            for name in filenames:
                if not name.endswith(".py"):
                    continue
                rel = _join(rel_dir, name)
                if path_matches(rel, config.include) and not path_matches(rel, config.exclude):
                    found.setdefault(rel, Path(os.path.join(dirpath, name)))
    return [(found[k], k) for k in sorted(found)]


def _join(rel_dir: str, name: str) -> str:
    return name if rel_dir in ("", ".") else f"{rel_dir}/{name}"


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix().lstrip("/")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _worker_init() -> None:
    # Analysis builds many short-lived trees (freed by reference counting,
    # see scopes.release); the cyclic collector only costs time here, and
    # _run_batch collects between batches. Freezing what the worker inherited
    # keeps those collections from walking (and copying on write) the
    # parent's whole heap.
    gc.disable()
    gc.freeze()


_CONFIGS: dict[str, AnalyzerConfig] = {}


def _run_batch(batch: list[tuple[str, str]], repo: str, config_json: str) -> list[tuple[str, bytes, int]]:
    config = _CONFIGS.get(config_json)
    if config is None:
        config = _CONFIGS[config_json] = AnalyzerConfig.model_validate_json(config_json)
    out = []
    for abs_path, rel in batch:
        payload, ms = analyze_file_payload(Path(abs_path), file_path=rel, repo=repo, config=config)
        out.append((rel, payload, ms))
    gc.collect()
    return out


def _to_result(
    rel: str, payload: bytes, ms: int, cached: bool, commit_sha: str | None, repo: str
) -> tuple[FileResult | None, ParseFailure | None]:
    data = orjson.loads(payload)
    if "error" in data:
        return None, ParseFailure(file_path=rel, error=data["error"], line=data.get("line"))
    findings = load_findings(data["findings"], file_path=rel, repo=repo)
    if findings is None:
        try:
            findings = _FINDINGS.validate_python(data["findings"])
        except ValidationError as exc:
            return None, ParseFailure(
                file_path=rel, error=f"internal analyzer error: {exc.error_count()} invalid findings"
            )
    if commit_sha:
        for f in findings:
            f.commit_sha = commit_sha
    return FileResult(
        file_path=rel, lines=data["lines"], duration_ms=ms, cached=cached, findings=findings
    ), None


def _parallel(
    batches: list[list[tuple[str, str]]],
    repo: str,
    config_json: str,
    workers: int,
    total: int,
    done: int,
    progress: Progress | None,
) -> list[tuple[str, bytes, int]]:
    out: list[tuple[str, bytes, int]] = []
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init) as pool:
        futures = [pool.submit(_run_batch, batch, repo, config_json) for batch in batches]
        for future in as_completed(futures):
            part = future.result()
            out.extend(part)
            done += len(part)
            if progress:
                progress(done, total)
    return out


def _open_cache(cache_dir: Path | None) -> ResultCache | None:
    if cache_dir is None:
        from hefesto_core.settings import load_settings

        cache_dir = load_settings().cache_dir / "analyzer"
    try:
        return ResultCache(cache_dir)
    except (OSError, sqlite3.Error) as exc:
        # A read-only or broken cache slows the run down; it must not stop it.
        _log.warning("analyzer cache unavailable at %s (%s); analyzing without it", cache_dir, exc)
        return None


def _cached(
    cache: ResultCache, files: list[tuple[Path, str]], *, repo: str, salt: str
) -> tuple[dict[str, str], dict[str, bytes]]:
    """Cache keys of the readable files, and the payloads already cached."""
    keys: dict[str, str] = {}
    for abs_path, rel in files:
        try:
            # Unbuffered: one read of the whole file, no BufferedReader to set up.
            with open(abs_path, "rb", buffering=0) as f:
                data = f.read()
        except OSError:
            continue  # the analysis reports it
        keys[rel] = cache_key(data, file_path=rel, repo=repo, salt=salt)
    hits = cache.get_many(keys.values())
    return keys, {rel: hits[key] for rel, key in keys.items() if key in hits}


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """As in the workers: syntax trees, payloads and findings are freed by
    reference counting, and the generation scans their allocations trigger
    find nothing. On warm runs of the stdlib (7,768 findings) the collector
    took about 30 % of the time in our runs, with earlier results kept alive
    as the benchmark keeps them (each scan walks them again). The switch is
    process-wide: other threads run without the cyclic collector meanwhile,
    and their cycles are freed when it is back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _without_cyclic_gc(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with _no_cyclic_gc():
            return fn(*args, **kwargs)

    return wrapper


def _analyze_all(
    todo: list[tuple[Path, str]],
    *,
    repo: str,
    config: AnalyzerConfig,
    workers: int,
    total: int,
    done: int,
    progress: Progress | None,
) -> list[tuple[str, bytes, int]]:
    if workers == 1 or len(todo) < 2 * _BATCH:
        fresh = []
        for abs_path, rel in todo:
            payload, ms = analyze_file_payload(abs_path, file_path=rel, repo=repo, config=config)
            fresh.append((rel, payload, ms))
            done += 1
            if progress:
                progress(done, total)
        return fresh
    # Biggest files first, so no worker is left alone with a giant file at the end.
    by_size = sorted(todo, key=lambda ar: -_size(ar[0]))
    batches = [[(str(a), r) for a, r in by_size[i : i + _BATCH]] for i in range(0, len(by_size), _BATCH)]
    try:
        return _parallel(batches, repo, config.model_dump_json(), workers, total, done, progress)
    except BrokenProcessPool as exc:
        raise AnalysisError(f"an analyzer worker process died: {exc}") from exc


@_without_cyclic_gc
def analyze_paths(
    paths: Iterable[Path | str],
    *,
    repo: str,
    commit_sha: str | None = None,
    config: AnalyzerConfig | None = None,
    jobs: int | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    cache_dir: Path | None = None,
    root: Path | None = None,
) -> AnalysisResult:
    """Analyze every Python file under ``paths``; parse failures are listed
    in ``parse_failures``. ``jobs`` defaults to the number of cores; the
    cache lives in ``cache_dir`` (default ``settings.cache_dir / "analyzer"``)."""
    started, t0 = started_now(), time.perf_counter()
    path_list = [Path(p) for p in paths]
    if not path_list:
        raise AnalysisError("no paths to analyze")
    config = config or AnalyzerConfig()
    root = (root or find_root(path_list)).resolve()
    files = discover(path_list, root, config)
    cache = _open_cache(cache_dir) if use_cache else None
    results: dict[str, tuple[bytes, int, bool]] = {}
    keys: dict[str, str] = {}
    try:
        if cache is not None:
            keys, hits = _cached(cache, files, repo=repo, salt=f"{analyzer_digest()}:{config.digest()}")
            results = {rel: (payload, 0, True) for rel, payload in hits.items()}
        if progress:
            progress(len(results), len(files))
        fresh = _analyze_all(
            [(a, r) for a, r in files if r not in results],
            repo=repo,
            config=config,
            workers=max(1, jobs or os.cpu_count() or 1),
            total=len(files),
            done=len(results),
            progress=progress,
        )
        results.update((rel, (payload, ms, False)) for rel, payload, ms in fresh)
        if cache is not None:
            cache.put_many((keys[rel], payload) for rel, payload, _ in fresh if rel in keys)
    finally:
        if cache is not None:
            cache.close()
    file_results: list[FileResult] = []
    failures: list[ParseFailure] = []
    for _, rel in files:
        fr, failure = _to_result(rel, *results[rel], commit_sha, repo)
        if fr is not None:
            file_results.append(fr)
        if failure is not None:
            failures.append(failure)
    return AnalysisResult(
        analysis_id=uuid.uuid4().hex,
        repo=repo,
        commit_sha=commit_sha,
        root=str(root),
        started_at=started,
        duration_ms=int((time.perf_counter() - t0) * 1000),
        summary=AnalysisResult.summarize(file_results),
        files=file_results,
        parse_failures=failures,
    )
