"""Worker processes for `llmflation serve --workers N`, each listening on its own socket of one port.

Why not uvicorn's own `--workers`: there every worker accepts from one shared socket, and whichever wakes first takes
most of a burst of connections. With 50 keep-alive clients on 2 workers we measured splits of 43/7 and 44/6: one
worker queues most of the load while the other idles, and its clients see several times the latency. Here each worker
binds the port with SO_REUSEPORT, and the kernel spreads new connections across the workers' sockets by a hash of the
connection's addresses (Linux; where the option is missing, `serve` falls back to uvicorn's workers).

The supervisor binds the port first without listening (so it holds the port, resolves port 0 to one real port, and
fails early and clearly when the port is taken), starts the workers, restarts a worker that dies, and stops them all on
Ctrl-C or SIGTERM. A worker that fails while starting stops the server: it would fail the same way again.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from typing import Any

from uvicorn.config import STARTUP_FAILURE  # the exit code of a uvicorn server that could not start serving

from llmflation.errors import LlmflationError

APP = "llmflation.web.app:app_from_env"
_STOP_GRACE_S = 10.0  # how long a worker may take to finish its requests after SIGTERM
_EARLY_DEATH_S = 5.0  # a worker that dies this soon after its start is failing to start, not crashing in service


class ServeError(LlmflationError):
    """The server could not start: the port, the address or a worker's start-up."""


def reuse_port_supported() -> bool:
    """Whether this system spreads one port's connections over several listening sockets: Linux does with
    SO_REUSEPORT; the BSDs and macOS accept the option without balancing."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _die_with_the_parent() -> None:
    """Linux: this worker gets SIGTERM when the supervisor dies, even by SIGKILL (no orphan keeps the port)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _address(host: str, port: int) -> tuple[socket.AddressFamily, tuple[Any, ...]]:
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ServeError(f"cannot bind {host!r}: {exc.strerror}; pass an IP address or a resolvable name to --host")\
            from exc
    family, _, _, _, addr = infos[0]
    return family, addr


def _bound(family: socket.AddressFamily, addr: tuple[Any, ...]) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(addr)
    except OSError:
        sock.close()
        raise
    return sock


def _worker(family: socket.AddressFamily, addr: tuple[Any, ...], options: dict[str, Any], supervisor: int) -> None:
    """One worker process: its own listening socket on the shared port, one uvicorn server on it."""
    import uvicorn

    _die_with_the_parent()
    if os.getppid() != supervisor:  # the supervisor died before the line above took effect
        sys.exit(STARTUP_FAILURE)
    try:
        sock = _bound(family, addr)
    except OSError as exc:
        print(f"llmflation worker: cannot bind {addr[0]}:{addr[1]}: {exc.strerror}", file=sys.stderr)
        sys.exit(STARTUP_FAILURE)
    uvicorn.Server(uvicorn.Config(APP, factory=True, **options)).run(sockets=[sock])


class Workers:
    """Start, watch and stop N worker processes sharing one port."""

    def __init__(self, n: int, host: str, port: int, options: dict[str, Any]) -> None:
        family, addr = _address(host, port)
        try:
            # First a plain bind, which fails if anything holds the port, another server's SO_REUSEPORT sockets
            # included (whose group ours would otherwise silently join); it also turns port 0 into a free port.
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(addr)
                addr = (addr[0], probe.getsockname()[1], *addr[2:])
            self._holder = _bound(family, addr)  # bound, never listening: holds the port, gets no connections
        except OSError as exc:
            raise ServeError(f"cannot bind {host}:{port}: {exc.strerror}; pick another --port or stop what uses it")\
                from exc
        self.port: int = addr[1]
        self._family = family
        self._addr = addr
        self._options = options
        self._n = n
        self._context = multiprocessing.get_context("spawn")
        self._procs: list[Any] = []
        self._started: list[float] = []
        self._stop = threading.Event()
        self.failed: str | None = None

    def _start_one(self) -> Any:
        args = (self._family, self._addr, self._options, os.getpid())
        proc = self._context.Process(target=_worker, args=args, daemon=False)
        proc.start()
        return proc

    def run(self) -> None:
        """Serve until Ctrl-C / SIGTERM (or a worker fails to start: `self.failed` then says why)."""
        previous = {sig: signal.signal(sig, lambda *_: self._stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self._procs = [self._start_one() for _ in range(self._n)]
            self._started = [time.monotonic()] * self._n
            while not self._stop.wait(0.5):
                self._keep_alive()
        finally:
            self._stop_all()
            self._holder.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _keep_alive(self) -> None:
        for i, proc in enumerate(self._procs):
            if proc.is_alive():
                continue
            proc.join()
            if proc.exitcode == STARTUP_FAILURE or time.monotonic() - self._started[i] < _EARLY_DEATH_S:
                self.failed = (f"a worker could not start (exit code {proc.exitcode}; its messages are above); "
                               "fix that and run `llmflation serve` again")
                self._stop.set()
                return
            self._procs[i] = self._start_one()  # died while serving: replace it
            self._started[i] = time.monotonic()

    def _stop_all(self) -> None:
        for proc in self._procs:
            if proc.is_alive():
                proc.terminate()  # SIGTERM: uvicorn finishes the requests in flight, then exits
        deadline = time.monotonic() + _STOP_GRACE_S
        for proc in self._procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join()
