"""A tiny raw HTTP client for tests: exact bytes out, exact bytes back."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass


def raw(port: int, data: bytes, timeout: float = 5.0, pieces: int = 1, gap: float = 0.0,
        half_close: bool = False) -> bytes:
    """Send ``data`` (optionally in ``pieces`` with ``gap`` seconds between) and read until EOF."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        step = max(1, -(-len(data) // pieces))
        for i in range(0, len(data), step):
            sock.sendall(data[i:i + step])
            if gap and i + step < len(data):
                time.sleep(gap)  # the client is slow on purpose: this is the test's input, not a wait
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        return receive(sock, timeout)


def receive(sock: socket.socket, timeout: float = 5.0, until: bytes | None = None) -> bytes:
    """Read until the peer closes (or resets), ``until`` has arrived, or ``timeout`` passed."""
    data = b""
    deadline = time.monotonic() + timeout
    while (until is None or until not in data) and time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        data += chunk
    return data


@dataclass
class Reply:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def parse(data: bytes, head: bool = False) -> tuple[Reply, bytes]:
    """Parse one response off ``data``; returns it and the bytes after it."""
    end = data.index(b"\r\n\r\n")
    lines = data[:end].decode("latin-1").split("\r\n")
    _, code, reason = (lines[0].split(" ", 2) + [""])[:3]
    headers = [tuple(x.strip() for x in line.split(":", 1)) for line in lines[1:]]
    reply = Reply(int(code), reason, headers, b"")
    rest = data[end + 4:]
    if head or reply.status in (204, 304):
        return reply, rest
    if (reply.header("Transfer-Encoding") or "").lower() == "chunked":
        body = b""
        while True:
            line, rest = rest.split(b"\r\n", 1)
            size = int(line.split(b";")[0], 16)
            if size == 0:
                rest = rest.split(b"\r\n\r\n", 1)[1] if not rest.startswith(b"\r\n") else rest[2:]
                break
            body, rest = body + rest[:size], rest[size + 2:]
        reply.body = body
        return reply, rest
    length = int(reply.header("Content-Length") or 0)
    reply.body, rest = rest[:length], rest[length:]
    return reply, rest


def parse_all(data: bytes) -> list[Reply]:
    replies = []
    while data:
        reply, data = parse(data)
        replies.append(reply)
    return replies


def get(port: int, path: str = "/", host: str = "a.test", method: str = "GET",
        headers: str = "", body: bytes = b"", timeout: float = 5.0) -> Reply:
    req = (f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{headers}"
           f"{'Content-Length: %d' % len(body) + chr(13) + chr(10) if body else ''}\r\n").encode("latin-1") + body
    return parse(raw(port, req, timeout), head=method == "HEAD")[0]
