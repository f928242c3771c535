"""The scoring process's loop (:mod:`streams.offload`): it answers alerts
against its copy of ``findings_by_file``, in the order it is given jobs and
changes, one frame of answers for each frame of jobs.

    python -m streams.scoringproc FD PARAMS

``FD`` is its end of a socketpair; ``PARAMS`` the pickled
:class:`~streams.answer.AnswerParams`, hex-encoded. It exits when the
worker closes the socket or dies.
"""

from __future__ import annotations

import pickle
import socket
import struct
import sys
from typing import Any

from streams.agents.scoring import FindingsCache
from streams.answer import AnswerParams, answer
from streams.errors import MessageError

__all__ = ["Scorer", "main"]

_LEN = struct.Struct("!I")


class Scorer:
    """The child's state and its answer to one frame of messages."""

    def __init__(self, params: AnswerParams) -> None:
        self.params = params
        self.mapper = params.mapper()
        self.cache = FindingsCache()
        self.findings: dict[str, Any] = {}

    def findings_for(self, key: str) -> list[Any]:
        return self.cache.get(key, self.findings.get(key))

    def handle(self, messages: list[tuple[Any, ...]]) -> list[tuple[int, str, Any]]:
        """Changes are applied as they come; each job gets ``(seq, "ok",
        Answer or None)`` or ``(seq, "error", (error class, message))``."""
        results: list[tuple[int, str, Any]] = []
        for message in messages:
            kind = message[0]
            if kind == "job":
                _, seq, raw, ingest_ms = message
                try:
                    value = answer(
                        raw,
                        ingest_ms=ingest_ms,
                        params=self.params,
                        mapper=self.mapper,
                        findings_for=self.findings_for,
                    )
                except MessageError as exc:
                    results.append((seq, "error", (type(exc).__name__, str(exc))))
                except Exception as exc:  # the worker dead-letters it, as its own agent would
                    results.append((seq, "error", ("ProcessingError", f"{type(exc).__name__}: {exc}")))
                else:
                    results.append((seq, "ok", value))
            elif kind == "update":
                _, key, state = message
                if state is None:
                    self.findings.pop(key, None)
                else:
                    self.findings[key] = state
            elif kind == "seed":
                self.findings = dict(message[1])
        return results


def _read_exactly(sock: socket.socket, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def main(fd: int, params_hex: str) -> None:
    from streams.gctune import configure_gc
    from streams.tuning import load_tuning

    configure_gc(gen0_threshold=load_tuning().gc_gen0_threshold)
    scorer = Scorer(pickle.loads(bytes.fromhex(params_hex)))  # noqa: S301 (our parent)
    sock = socket.socket(fileno=fd)
    while True:
        head = _read_exactly(sock, _LEN.size)
        data = None if head is None else _read_exactly(sock, _LEN.unpack(head)[0])
        if data is None:
            return  # the worker closed the socket, or died
        results = scorer.handle(pickle.loads(data))  # noqa: S301 (our parent)
        if results:
            out = pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
            sock.sendall(_LEN.pack(len(out)) + out)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
