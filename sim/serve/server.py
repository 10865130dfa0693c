"""The HTTP stack: an ASGI adapter for :class:`~stoprace.sim.serve.app.ServerApp`, served by uvicorn.

uvicorn (with httptools' HTTP parser, and uvloop where it installs) is the ASGI server the Python field
runs in production: keep-alive connections, pipelining, slow clients that hold a connection without holding
up the others, and a graceful shutdown on SIGINT and SIGTERM. The application is a bare ASGI callable (no
framework): the request's method, path, headers and body go to :meth:`ServerApp.handle`, which is all the
server does.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
import traceback
from typing import Any

from .app import MAX_BODY, ServerApp
from .wire import Reply, error

__all__ = ["SERVER_INSTALL_HINT", "AsgiApp", "Server"]

SERVER_INSTALL_HINT = "stoprace serve needs uvicorn and cbor2: pip install 'stoprace[server]'"
#: A body over :data:`MAX_BODY` but under this is read and dropped before the 413, so that a client still
#: sending it hears the answer instead of a broken pipe; a larger one is refused at once.
DRAIN_LIMIT = 16 * MAX_BODY


class AsgiApp:
    """``app`` as an ASGI application (HTTP only; lifespan off)."""

    def __init__(self, app: ServerApp) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            key = name.decode("latin-1").lower()
            headers[key] = (
                f"{headers[key]},{value.decode('latin-1')}" if key in headers else value.decode("latin-1")
            )
        length = headers.get("content-length", "0")
        if not length.isdigit() or int(length) > DRAIN_LIMIT:
            await _send(send, _too_large())  # not worth reading: answered at once, the connection closed
            return
        body = bytearray()
        received, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            more = message.get("more_body", False)
            if received <= MAX_BODY:
                body += chunk
            elif received > DRAIN_LIMIT:
                break
        if received > MAX_BODY:  # read and dropped (bounded memory), so the client hears the answer
            await _send(send, _too_large())
            return
        try:
            reply = self.app.handle(
                scope["method"], scope["path"], scope["query_string"].decode("latin-1"), headers, bytes(body)
            )
        except Exception:  # a bug of ours: said as AWS says it, and the server goes on serving
            traceback.print_exc(file=sys.stderr)
            reply = error("json", 500, "InternalFailure", "stoprace serve failed on this request")
        await _send(send, reply)


def _too_large() -> Reply:
    return Reply(413, {"Content-Type": "application/json"}, b'{"message": "Request entity too large"}')


async def _send(send: Any, reply: Reply) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items()]
    headers.append((b"content-length", str(len(reply.body)).encode()))
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


class Server:
    """``stoprace serve`` on ``host`` and a port (``0``: a free one): in a thread, as moto's
    ``ThreadedMotoServer`` (``with Server() as server: ... server.url ...``), or in this thread until a
    signal (:meth:`serve_forever`). ``advance(seconds)`` and ``reset()`` drive it as the control API would.
    ``options`` are :class:`ServerApp`'s."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **options: Any) -> None:
        try:
            import cbor2  # noqa: F401, PLC0415 - checked here so that a missing extra is said at once
            import uvicorn  # noqa: PLC0415
        except ImportError:
            raise ImportError(SERVER_INSTALL_HINT) from None
        self.app = ServerApp(**options)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.create_server((host, port), family=family, backlog=1024)
        self.host, self.port = host, self._socket.getsockname()[1]
        config = uvicorn.Config(
            AsgiApp(self.app),
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_keep_alive=30,
            server_header=False,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://[{self.host}]:{self.port}" if ":" in self.host else f"http://{self.host}:{self.port}"

    def serve_forever(self) -> None:
        """Serve in this thread until SIGINT or SIGTERM (the command does)."""
        try:
            self._server.run(sockets=[self._socket])
        finally:
            self.close()

    def close(self) -> None:
        self._socket.close()
        if self.app.journal is not None:
            self.app.journal.close()

    def start(self) -> Server:
        self._thread = threading.Thread(target=self.serve_forever, name="stoprace-serve", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("stoprace serve did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def advance(self, seconds: float) -> None:
        with self.app.lock:
            self.app.advance(seconds)

    def reset(self) -> None:
        self.app.reset()
