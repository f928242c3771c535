"""The history store in a child process, off the worker's GIL.

A worker's event loop and the history sink share one interpreter. Written
from a thread, the store held the GIL for every row it bound, decoded and
encoded, and the agents waited for it: at 500 alerts/s offered, one worker
answered with a p50 of 314 ms and 2,141 ms (two runs) with the sink, and of
43 and 37 ms without it (docs/streams.md, Tuning, item 27). So
:class:`ProcessWriter` hands each batch, as the JSON the stream already
has, to ``python -m streams.storeproc``, which decodes it and writes it with
:class:`~streams.sinkwriter.InlineWriter`. The worker's thread only waits
on a socket, without the GIL.

The protocol, over a socket pair, one pickled message per frame
(:class:`multiprocessing.connection.Connection`): first the worker's
``Settings`` (the child opens the same store the worker would), then per
batch ``(kind, [json, ...])`` answered by ``("ok", n)`` or ``("error",
text)``, and ``("close", [])`` at the end. A child that exits, or does not
answer within ``timeout_ms``, is killed and started again on the next
write; the batch that was in flight fails and the sink retries it (the
store's writes are idempotent per record). When the worker dies, even by
``kill -9``, the child reads end-of-file and exits.
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from hefesto_core.settings import Settings
from streams.errors import SinkError
from streams.sinkwriter import InlineWriter, SinkKind

__all__ = ["ProcessWriter", "serve"]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_MS = 120_000
_CLOSE_WAIT_S = 10.0


class ProcessWriter:
    """A :class:`~streams.sinkwriter.StoreWriter` whose store lives in a
    child process, started on the first write."""

    def __init__(self, settings: Settings, *, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
        self._settings = settings
        self._timeout_s = timeout_ms / 1000
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self.starts = 0

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def write(self, kind: SinkKind, payloads: Sequence[bytes]) -> None:
        with self._lock:
            conn = self._connection()
            try:
                conn.send_bytes(pickle.dumps((kind.value, list(payloads)), protocol=pickle.HIGHEST_PROTOCOL))
                if not conn.poll(self._timeout_s):
                    self._kill()
                    raise SinkError(f"the history store process did not answer within {self._timeout_s:g} s")
                reply = pickle.loads(conn.recv_bytes())  # noqa: S301 (our own child, over a socket pair)
            except (EOFError, OSError) as exc:
                code = self._kill()
                raise SinkError(f"the history store process exited (exit code {code})") from exc
        if reply[0] != "ok":
            raise SinkError(reply[1])

    def _connection(self) -> Connection:
        if self._conn is not None and self._proc is not None and self._proc.poll() is None:
            return self._conn
        if self._proc is not None:
            log.warning("history store process %s exited (code %s); starting another", self.pid, self._kill())
        ours, theirs = socket.socketpair()
        with theirs:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "streams.storeproc", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        self._conn = Connection(ours.detach())
        self._conn.send_bytes(pickle.dumps(self._settings, protocol=pickle.HIGHEST_PROTOCOL))
        self.starts += 1
        return self._conn

    def _kill(self) -> int | None:
        conn, proc = self._conn, self._proc
        self._conn = self._proc = None
        if conn is not None:
            conn.close()
        if proc is None:
            return None
        if proc.poll() is None:
            proc.kill()
        return proc.wait()

    def close(self) -> None:
        with self._lock:
            conn, proc = self._conn, self._proc
            if conn is None or proc is None:
                return
            with contextlib.suppress(OSError):
                conn.send_bytes(pickle.dumps(("close", [])))
            try:
                proc.wait(timeout=_CLOSE_WAIT_S)
            except subprocess.TimeoutExpired:
                log.warning("history store process %s did not exit in %g s; killed", proc.pid, _CLOSE_WAIT_S)
            self._kill()


def serve(conn: Connection) -> None:
    """The child's loop: write each batch, answer, until closed or orphaned."""
    settings: Settings = pickle.loads(conn.recv_bytes())  # noqa: S301 (from our parent)
    from hefesto_core.history import open_store

    writer = InlineWriter(lambda: open_store(settings))
    try:
        while True:
            try:
                kind, payloads = pickle.loads(conn.recv_bytes())  # noqa: S301
            except EOFError:
                return  # the worker is gone
            if kind == "close":
                return
            reply: tuple[Any, ...]
            try:
                writer.write(SinkKind(kind), payloads)
                reply = ("ok", len(payloads))
            except Exception as exc:
                reply = ("error", f"{type(exc).__name__}: {exc}")
            conn.send_bytes(pickle.dumps(reply))
    finally:
        writer.close()


def main(argv: Sequence[str]) -> None:
    # Ctrl-C reaches the whole process group; the worker closes this
    # process itself after its last flush.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s storeproc %(levelname)s %(message)s")
    serve(Connection(int(argv[0])))


if __name__ == "__main__":
    main(sys.argv[1:])
