"""``python -m streams``: run one worker with settings from the environment
(``HEFESTO_*``, ``HEFESTO_STREAM_*``); the same as ``hefesto worker``."""

from __future__ import annotations

from hefesto_core.settings import load_settings
from streams.tuning import load_tuning
from streams.worker import run_worker

if __name__ == "__main__":
    run_worker(load_settings(), load_tuning())
