"""Loading a ``bench/*.py`` script as a module, for tests of its arithmetic
(the benchmarks are scripts, not a package)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson

BENCH = Path(__file__).resolve().parents[1] / "bench"


def load_bench(name: str) -> ModuleType:
    """``bench/{name}.py`` as the module ``bench_{name}``."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run_bench(name: str, *args: str, out: Path) -> Any:
    """Run ``bench/{name}.py`` as a script with ``args``, writing its
    results to ``out``, and return them (it fails the test if it fails)."""
    subprocess.run(
        [sys.executable, str(BENCH / f"{name}.py"), *args, "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return orjson.loads(out.read_bytes())
