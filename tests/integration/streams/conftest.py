from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.streams.harness import StreamEnv


@pytest.fixture
def stream_env(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> Iterator[StreamEnv]:
    env = StreamEnv(bootstrap=kafka_bootstrap, prefix=unique_name("hs-test"), data_dir=tmp_path)
    try:
        yield env
    finally:
        env.stop_all()
