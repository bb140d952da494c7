"""A loopback TCP proxy that cuts any connection idle for ``idle_s`` seconds (like nginx's
proxy_read_timeout or a carrier's NAT), counting connections and bytes relayed."""

from __future__ import annotations

import select
import socket
import threading


class IdleCuttingProxy:
    def __init__(self, upstream_port: int, idle_s: float) -> None:
        self.upstream_port, self.idle_s = upstream_port, idle_s
        self._listen = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listen.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listen.bind(("127.0.0.1", 0))
        self._listen.listen(16)
        self.url = f"http://127.0.0.1:{self._listen.getsockname()[1]}"
        self.connections = 0
        self.cut = 0  # connections cut for being idle
        self.relayed = 0  # bytes from the server to the client
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        self._listen.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listen.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(("127.0.0.1", self.upstream_port))
        except OSError:
            client.close()
            return
        pair = {client: server, server: client}
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select(list(pair), [], [], self.idle_s)
                if not ready:
                    self.cut += 1
                    return
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
                    if sock is server:
                        self.relayed += len(data)
        except OSError:
            return
        finally:
            client.close()
            server.close()
