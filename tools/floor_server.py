#!/usr/bin/env python3
"""The floor for tools/bench: the least a Python epoll server can do per request.

One thread, one epoll, edge-triggered clients: ``recv`` whatever arrived and ``send``
one canned 404 for it. No parsing, no file check, no log, no timers. Its CPU time per
request is what CPython and the kernel cost before any HTTP work; ``tools/bench
--peers nginxlite,nginx,floor --workloads 404`` puts it beside the real servers (its
answers are 404s whatever the path, so only the 404 workload means anything).

    python tools/floor_server.py PORT
"""

from __future__ import annotations

import select
import signal
import socket
import sys

BODY = b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n</body>\r\n</html>\r\n"
RESPONSE = (b"HTTP/1.1 404 Not Found\r\nServer: floor\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n"
            b"Content-Type: text/html\r\nContent-Length: %d\r\nConnection: keep-alive\r\n\r\n%s"
            % (len(BODY), BODY))


def main() -> int:
    port = int(sys.argv[1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1024)
    listener.setblocking(False)
    poller = select.epoll()
    poller.register(listener.fileno(), select.EPOLLIN)
    clients: dict[int, socket.socket] = {}
    while True:
        for fd, _ in poller.poll():
            if fd == listener.fileno():
                while True:
                    try:
                        sock, _ = listener.accept()
                    except BlockingIOError:
                        break
                    sock.setblocking(False)
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    clients[sock.fileno()] = sock
                    poller.register(sock.fileno(), select.EPOLLIN | select.EPOLLET)
                continue
            sock = clients[fd]
            try:
                data = sock.recv(65536)
                if data:
                    sock.send(RESPONSE)
                    continue
            except BlockingIOError:
                continue
            except OSError:
                pass
            poller.unregister(fd)
            sock.close()
            del clients[fd]


if __name__ == "__main__":
    sys.exit(main())
