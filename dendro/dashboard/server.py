"""Serving the app with uvicorn: in the foreground (`dendro dashboard`), or in a thread beside other
work (the collector of `dendro local up`, the tests), on a port that may be 0 (any free one).

The socket is bound here, before uvicorn starts, so that a port in use is an OSError the caller turns
into one clear line (uvicorn itself would log it and exit the process), and port 0's real port is
known at once.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn

from dendro.dashboard.app import create_app
from dendro.dashboard.backends import Backend
from dendro.dashboard.backends.local import LocalBackend
from dendro.dashboard.security import check_bind
from dendro.listening_socket import listening_socket

if TYPE_CHECKING:
    from collections.abc import Callable

    from dendro.alerts.engine import Snapshot
    from dendro.local_pipeline.collector import Collector

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000


def url_of(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


class DashboardServer:
    """A bound socket and the uvicorn server that will answer on it."""

    def __init__(
        self, backend: Backend, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, token: str | None = None
    ):
        check_bind(host, token)
        self.backend = backend
        self.host = host
        self.socket = listening_socket(host, port)
        self.port = int(self.socket.getsockname()[1])
        app = create_app(backend, token=token, bind_host=host)
        self.app = app
        self.stopping = app.state.stopping
        # No access log: every chart refresh would print a line per chart. Open live-tail streams
        # would hold a graceful shutdown forever: they end on `stopping`, and are cut after 3 s.
        config = uvicorn.Config(
            app, access_log=False, log_level="warning", lifespan="off", timeout_graceful_shutdown=3
        )
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return url_of(self.host, self.port)

    def show_alerts(self, snapshot: Callable[[], Snapshot]) -> None:
        """The Alerts page reads the running evaluator through `snapshot` (dendro local up)."""
        self.app.state.alerts = snapshot

    def run(self) -> None:
        """Serve in this thread until Ctrl-C or SIGTERM (uvicorn handles both)."""
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.backend.close()

    def start(self, timeout: float = 10.0) -> DashboardServer:
        """Serve in a daemon thread; signals stay with the main thread's owner."""
        self.server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, name="dendro-dashboard", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise OSError(f"the dashboard did not start on {self.url}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.socket.close()
        self.backend.close()


def beside_collector(
    collector: Collector, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, token: str | None = None
) -> DashboardServer:
    """The dashboard inside `dendro local up`: it reads the store through the collector's own
    connection (no other process could open the file meanwhile). Call from the thread that opened
    the store; stop it before closing the collector."""
    backend = LocalBackend.shared(collector.store.cursor(), Path(collector.store.path))
    try:
        return DashboardServer(backend, host, port, token).start()
    except BaseException:
        backend.close()
        raise
