"""Serve the REST app with uvicorn on a background thread.

    server = RestServer(create_app(enforcer, config=cfg), host="127.0.0.1", port=0)
    port = server.start()      # blocks until uvicorn is accepting; returns the bound port
    ...
    server.stop()
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn


class RestServer:
    def __init__(self, app, *, host: str = "127.0.0.1", port: int = 0,
                 log_level: str = "warning") -> None:
        self._app = app
        self._host, self._port = host, port
        self._log_level = log_level
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    def start(self, timeout: float = 10.0) -> int:
        """Bind (port 0: any free port), start uvicorn and wait until it serves."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self._app, log_level=self._log_level, lifespan="off",
                                access_log=False, timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name="rest-api", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"REST server did not start on {self._host}:{self.port}")
            time.sleep(0.01)
        return self.port

    def stop(self, timeout: float = 5.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._server = self._thread = None

    def __enter__(self) -> RestServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
