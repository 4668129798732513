"""A TCP proxy on 127.0.0.1 that delays everything it forwards, each way, to put a database
"across the network" in a test or benchmark: with `one_way` 0.010 every round trip to the
server costs 20 ms more.

    with DelayProxy(("127.0.0.1", server_port), one_way=0.010) as proxy:
        url = f"postgresql+psycopg://user@127.0.0.1:{proxy.port}/db"
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time
from types import TracebackType

CHUNK = 65536


class DelayProxy:
    def __init__(self, target: tuple[str, int], one_way: float) -> None:
        self.target = target
        self.one_way = one_way
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True, name="delay-proxy").start()

    def __enter__(self) -> DelayProxy:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sockets += [client, upstream]
            self._pipe(client, upstream)
            self._pipe(upstream, client)

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        """Forward `source` → `sink`, each chunk `one_way` seconds after it arrived, in order."""
        held: queue.Queue[tuple[float, bytes]] = queue.Queue()

        def read() -> None:
            while True:
                try:
                    data = source.recv(CHUNK)
                except OSError:
                    data = b""
                held.put((time.monotonic() + self.one_way, data))
                if not data:
                    return

        def write() -> None:
            while True:
                due, data = held.get()
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                if not data:
                    with contextlib.suppress(OSError):
                        sink.shutdown(socket.SHUT_WR)
                    return
                try:
                    sink.sendall(data)
                except OSError:
                    return

        threading.Thread(target=read, daemon=True).start()
        threading.Thread(target=write, daemon=True).start()
