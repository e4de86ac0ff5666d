#!/usr/bin/env python3
"""The TLS floor for tools/tls-cost: the least a Python epoll server does per TLS connection.

One thread, one epoll; each client is wrapped with ``SSLContext.wrap_socket`` (server side,
no handshake on connect), handshaken without blocking, and once a request head arrived
it is sent one canned 200 of 1 KiB with ``Connection: close``, a close_notify and the
socket closed.  No parsing, no file, no log, no timers, no SNI callback.  The context is
set as nginxlite sets a server's (``ssl_protocols TLSv1.2 TLSv1.3``, nginx's default
ciphers, ALPN http/1.1), so what it costs beside nginxlite is what CPython's ``ssl`` costs
before any HTTP work.

    python tools/tls_floor_server.py PORT CERT KEY
"""

from __future__ import annotations

import select
import signal
import socket
import ssl
import sys

BODY = b"x" * 1024
RESPONSE = (b"HTTP/1.1 200 OK\r\nServer: floor\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(BODY), BODY))


def context(cert: str, key: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    ctx.set_ciphers("HIGH:!aNULL:!MD5")
    ctx.set_alpn_protocols(["http/1.1"])
    ctx.load_cert_chain(cert, key)
    return ctx


def main() -> int:
    port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ctx = context(cert, key)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1024)
    listener.setblocking(False)
    poller = select.epoll()
    poller.register(listener.fileno(), select.EPOLLIN)
    clients: dict[int, list] = {}  # fd -> [SSLSocket, handshaken]

    def close(fd: int, tls: ssl.SSLSocket, notify: bool) -> None:
        poller.unregister(fd)
        del clients[fd]
        if notify:
            try:
                tls.unwrap()  # close_notify, as nginx sends
            except (ssl.SSLError, OSError, ValueError):
                pass
        tls.close()

    while True:
        for fd, _ in poller.poll():
            if fd == listener.fileno():
                try:
                    sock, _ = listener.accept()
                except BlockingIOError:
                    continue
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                fd = sock.fileno()
                clients[fd] = [ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), False]
                poller.register(fd, select.EPOLLIN)
                continue
            client = clients.get(fd)
            if client is None:
                continue
            tls = client[0]
            try:
                if not client[1]:
                    tls.do_handshake()
                    client[1] = True
                data = tls.recv(65536)
                if not data:
                    close(fd, tls, False)
                elif b"\r\n\r\n" in data:
                    tls.sendall(RESPONSE)  # (1 KiB: the socket buffer takes it at once)
                    close(fd, tls, True)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                continue
            except (ssl.SSLError, OSError):
                close(fd, tls, False)


if __name__ == "__main__":
    sys.exit(main())
