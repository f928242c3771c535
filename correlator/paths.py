"""Mapping runtime paths to repository-relative POSIX paths.

In order, the first that succeeds:

1. ``as_given``: the path is already repo-relative (and, when the known files
   are given, one of them);
2. ``source_root``: it lies under a configured source root, or under a common
   container prefix (``/srv/app``, ``/usr/src/app``, ``/app``, ``C:\\app``, ...);
3. ``suffix_match``: the longest path-segment suffix it shares with exactly
   one known file (a tie between two files is refused, never guessed);
4. ``module_name``: a dotted module (``payments.processor``) turned into a path
   and suffix-matched;
5. unverified: a path under a source root or container prefix, or a relative
   source path, that no known file matches (the file may simply have no
   findings) keeps its ``source_root`` / ``as_given`` mapping.

Otherwise the mapping is ``unmapped`` and the frame has no repository file.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from enum import StrEnum

from hefesto_core.models import PathMapping

__all__ = ["CONTAINER_PREFIXES", "MappingMethod", "PathMapper", "normalize_path"]

CONTAINER_PREFIXES: tuple[str, ...] = (
    "/srv/app",
    "/usr/src/app",
    "/opt/app",
    "/app",
    "/code",
    "/workspace",
    "/var/task",  # AWS Lambda
    "/home/app",
    "/app/app",
)
_DRIVE = re.compile(r"^[A-Za-z]:")
_MODULE = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")
_SOURCE_EXT = (".py", ".java", ".kt", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".go", ".rb", ".scala", ".jsx")


class MappingMethod(StrEnum):
    """Values of ``PathMapping.method``."""

    AS_GIVEN = "as_given"
    SOURCE_ROOT = "source_root"
    SUFFIX_MATCH = "suffix_match"
    MODULE_NAME = "module_name"
    UNMAPPED = "unmapped"


def normalize_path(path: str) -> str:
    """POSIX separators, no drive letter, no ``.`` or empty segments."""
    text = path.strip().replace("\\", "/")
    if text.startswith("file://"):
        text = text[7:]
    text = _DRIVE.sub("", text)
    absolute = text.startswith("/")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    return ("/" if absolute else "") + "/".join(parts)


def _relative_under(path: str, root: str) -> str | None:
    root = root.rstrip("/")
    if root and path.startswith(root + "/"):
        rest = path[len(root) + 1 :]
        return rest if rest and ".." not in rest.split("/") else None
    return None


class PathMapper:
    """Maps the runtime paths of one alert. Build once per alert (or per
    batch sharing the same roots and known files).

    ``container_prefixes=False`` maps only with the configured roots and
    already-relative paths: a path under ``/srv/app`` then stays unmapped,
    for a caller that will map it later against the known files."""

    __slots__ = ("_by_name", "_known", "_memo", "_memo_size", "_roots")

    def __init__(
        self,
        *,
        source_roots: Sequence[str] = (),
        known_files: Collection[str] | None = None,
        container_prefixes: bool = True,
        memo_size: int = 0,
    ) -> None:
        """``memo_size`` > 0 remembers that many answers (a long-lived mapper
        of a stream: the same frames recur in alert after alert)."""
        self._memo: dict[tuple[str, str | None], PathMapping] = {}
        self._memo_size = memo_size
        roots = {normalize_path(str(r)) for r in source_roots if str(r).strip()}
        # A container prefix is a guess about where the repository was copied
        # (it may be a sub-folder of a monorepo): a caller that cannot check
        # the guess against the known files turns it off and resolves later.
        if container_prefixes:
            roots.update(CONTAINER_PREFIXES)
        # Longest first, so /srv/app/app wins over /srv/app.
        self._roots = sorted((r for r in roots if r not in ("", "/")), key=len, reverse=True)
        self._known: frozenset[str] | None = None
        self._by_name: dict[str, list[tuple[str, ...]]] = {}
        if known_files is not None:
            self._known = frozenset(normalize_path(f).lstrip("/") for f in known_files)
            for f in self._known:
                parts = tuple(f.split("/"))
                self._by_name.setdefault(parts[-1], []).append(parts)

    def _is_known(self, rel: str) -> bool:
        return self._known is None or rel in self._known

    def _suffix(self, path: str) -> str | None:
        if self._known is None:
            return None
        parts = path.lstrip("/").split("/")
        candidates = self._by_name.get(parts[-1])
        if not candidates:
            return None
        best_len, best, tie = 0, None, False
        for cand in candidates:
            n = 0
            while n < len(cand) and n < len(parts) and cand[-1 - n] == parts[-1 - n]:
                n += 1
            if n > best_len:
                best_len, best, tie = n, cand, False
            elif n == best_len:
                tie = True
        return None if best is None or tie else "/".join(best)

    def map(self, runtime_path: str, *, module: str | None = None) -> PathMapping:
        """How ``runtime_path`` maps into the repository; ``module`` is the
        dotted module or class the trace named, used as a last resort."""
        if not self._memo_size:
            return self._map(runtime_path, module)
        key = (runtime_path, module)
        hit = self._memo.get(key)
        if hit is None:
            if len(self._memo) >= self._memo_size:
                self._memo.clear()  # simpler than LRU, and a recurring frame is back at once
            hit = self._memo[key] = self._map(runtime_path, module)
        return hit

    def _map(self, runtime_path: str, module: str | None) -> PathMapping:
        path = normalize_path(runtime_path)
        if path and not path.startswith("/") and not path.startswith("<") and path in (self._known or ()):
            return PathMapping(runtime_path=runtime_path, repo_path=path, method=MappingMethod.AS_GIVEN)
        if path.startswith("/"):
            for root in self._roots:
                rel = _relative_under(path, root)
                if rel is not None and self._is_known(rel):
                    return PathMapping(
                        runtime_path=runtime_path, repo_path=rel, method=MappingMethod.SOURCE_ROOT
                    )
        suffix = self._suffix(path) if path else None
        if suffix is not None:
            return PathMapping(runtime_path=runtime_path, repo_path=suffix, method=MappingMethod.SUFFIX_MATCH)
        mapped = self._module(module or runtime_path)
        if mapped is not None:
            return PathMapping(runtime_path=runtime_path, repo_path=mapped, method=MappingMethod.MODULE_NAME)
        # Unverified: a file the findings do not know (it may have none) is
        # still a location in the code, which makes the alert's reason
        # "no_candidate" rather than "no_code_location".
        if path.startswith("/"):
            for root in self._roots:
                rel = _relative_under(path, root)
                if rel is not None:
                    return PathMapping(
                        runtime_path=runtime_path, repo_path=rel, method=MappingMethod.SOURCE_ROOT
                    )
        relative = path and not path.startswith(("/", "<")) and ".." not in path.split("/")
        if relative and path.endswith(_SOURCE_EXT):
            return PathMapping(runtime_path=runtime_path, repo_path=path, method=MappingMethod.AS_GIVEN)
        return PathMapping(runtime_path=runtime_path, repo_path=None, method=MappingMethod.UNMAPPED)

    def _module(self, name: str) -> str | None:
        name = name.strip()
        if not _MODULE.match(name) or name.endswith(_SOURCE_EXT):
            return None
        base = name.replace(".", "/")
        for candidate in (f"{base}.py", f"{base}/__init__.py", f"{base}.java", f"{base}.kt"):
            if self._known is None:
                continue
            if candidate in self._known:
                return candidate
            found = self._suffix(candidate)
            if found is not None:
                return found
        return None
