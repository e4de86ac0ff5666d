"""The default site in a real browser: headless Chromium (skipped when it is not installed).

Pages are rendered with ``chromium --headless --dump-dom URL`` (and ``--screenshot``),
one process each.  The session counter and the upload form need one browser across
several page loads (a session cookie has no Max-Age, so it does not outlive the
process, whatever the profile), so they drive one Chromium through the DevTools
protocol: ``Browser`` below, over a minimal websocket client (RFC 6455, text
frames only).  Screenshots go to the test's tmp dir; their paths are printed.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import time
import uuid
from urllib.parse import urlsplit

import pytest
import requests

from servers import REPO, read_until

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
TIMEOUT = 60
FLAGS = ["--headless", "--disable-gpu", "--no-sandbox", "--disable-background-networking", "--disable-sync",
         "--disable-component-update", "--window-size=1280,900"]


def chromium(tmp_path, *args: str) -> str:
    profile = tmp_path / "profile"
    result = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    return result.stdout


def render(tmp_path, url: str, name: str, shot_url: str | None = None) -> str:
    """The DOM of ``url`` once loaded; a screenshot of it (or of ``shot_url``) as NAME.png."""
    shot = tmp_path / f"{name}.png"
    chromium(tmp_path, f"--screenshot={shot}", shot_url or url)
    assert shot.stat().st_size > 1000
    print(f"screenshot: {shot}")
    return chromium(tmp_path, "--dump-dom", url)


def test_home_listing_and_404_render(default_site, tmp_path):
    home = render(tmp_path, default_site.url("/"), "home")
    assert "<h1>Welcome to nginxlite</h1>" in home and 'href="/cgi/session.py"' in home
    listing = render(tmp_path, default_site.url("/samples/"), "listing")
    assert "<h1>Index of /samples/</h1>" in listing
    assert all(f'href="{name}"' in listing for name in ("data.json", "notes.md", "readme.txt", "sub/"))
    missing = render(tmp_path, default_site.url(f"/missing-{uuid.uuid4().hex}"), "404",
                     default_site.url(f"/missing-{uuid.uuid4().hex}"))
    assert "<h1>404 Not Found</h1>" in missing and "could not find" in missing
    assert 'href="/style.css"' in missing
    assert "favicon" not in (default_site.root / "error.log").read_text()  # the browser asked for it: found


class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: masked text frames out, frames in."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
                          f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                          .encode())
        self.file = self.sock.makefile("rb")
        assert b" 101 " in self.file.readline()
        while self.file.readline() not in (b"\r\n", b""):
            pass

    def send(self, text: str) -> None:
        data, mask = text.encode(), os.urandom(4)
        size = len(data)
        length = bytes([0x80 | size]) if size < 126 else bytes([0x80 | 126]) + struct.pack(">H", size) \
            if size < 1 << 16 else bytes([0x80 | 127]) + struct.pack(">Q", size)
        self.sock.sendall(b"\x81" + length + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def receive(self) -> str:
        message = b""
        while True:
            first, second = self.file.read(2)
            size = second & 0x7F
            if size >= 126:
                size = struct.unpack(">H" if size == 126 else ">Q", self.file.read(2 if size == 126 else 8))[0]
            payload = self.file.read(size)
            if first & 0x0F == 8:
                raise ConnectionError("the browser closed the websocket")
            if first & 0x0F in (0, 1, 2):
                message += payload
                if first & 0x80:
                    return message.decode()

    def close(self) -> None:
        self.file.close()
        self.sock.close()


class Browser:
    """One headless Chromium and its first page, driven through the DevTools protocol."""

    def __init__(self, tmp_path) -> None:
        self.proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'cdp-profile'}",
                                      "--remote-debugging-port=0", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        line = read_until(self.proc.stderr, b"DevTools listening on", 1, time.monotonic() + TIMEOUT, self.proc)[-1]
        port = urlsplit(re.search(rb"ws://\S+", line).group().decode()).port
        pages = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=TIMEOUT).json()
        self.ws = WebSocket(next(p for p in pages if p["type"] == "page")["webSocketDebuggerUrl"])
        self.ids, self.events = 0, []
        self.call("Page.enable")

    def call(self, method: str, **params):
        self.ids += 1
        self.ws.send(json.dumps({"id": self.ids, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == self.ids:
                assert "error" not in message, message
                return message["result"]
            self.events.append(message.get("method"))

    def wait_for(self, event: str) -> None:
        while event not in self.events:
            self.events.append(json.loads(self.ws.receive()).get("method"))

    def load(self, action) -> str:
        """Run ``action`` (a navigation or a form submission), wait for the load; the DOM."""
        self.events.clear()
        action()
        self.wait_for("Page.loadEventFired")
        return self.js("document.documentElement.outerHTML")

    def open(self, url: str) -> str:
        return self.load(lambda: self.call("Page.navigate", url=url))

    def js(self, expression: str):
        return self.call("Runtime.evaluate", expression=expression, awaitPromise=True,
                         returnByValue=True)["result"].get("value")

    def screenshot(self, path) -> None:
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot")["data"]))
        print(f"screenshot: {path}")

    def close(self) -> None:
        self.ws.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def browser(tmp_path):
    browser = Browser(tmp_path)
    yield browser
    browser.close()


def test_the_session_counter_counts_in_one_browser(default_site, browser, tmp_path):
    counts = []
    for _ in range(2):
        dom = browser.open(default_site.url("/cgi/session.py"))
        counts.append(re.search(r'id="visits">(\d+)<', dom).group(1))
    assert counts == ["1", "2"]
    browser.screenshot(tmp_path / "session.png")
    assert "session ended" in browser.open(default_site.url("/cgi/logout.py"))
    assert 'id="visits">1<' in browser.open(default_site.url("/cgi/session.py"))


# files.html fills its table from a fetch: wait for NAME's row, click its Delete, wait for the row to go.
CLICK_DELETE = """new Promise(done => {
    const row = () => [...document.querySelectorAll("#files tr")].find(r => r.textContent.includes("NAME"));
    const wait = (ready, then) => {
        const timer = setInterval(() => { if (ready()) { clearInterval(timer); then(); } }, 20);
    };
    wait(row, () => {
        const found = row();
        found.querySelector("button").click();
        wait(() => !found.isConnected, () => done(true));
    });
})"""


def test_upload_through_the_real_form_then_delete(default_site, browser, tmp_path):
    names = [f"browser-{uuid.uuid4().hex}.txt", f"browser-{uuid.uuid4().hex}.txt"]
    for name in names:
        (tmp_path / name).write_text(f"content of {name}\n")
    browser.open(default_site.url("/upload.html"))
    root = browser.call("DOM.getDocument")["root"]["nodeId"]
    node = browser.call("DOM.querySelector", nodeId=root, selector="input[type=file]")["nodeId"]
    browser.call("DOM.setFileInputFiles", nodeId=node, files=[str(tmp_path / name) for name in names])
    try:
        answer = browser.load(lambda: browser.js("document.querySelector('form').submit()"))
        assert all(name in answer for name in names), answer
        assert all((REPO / "uploads" / name).read_text() == f"content of {name}\n" for name in names)
        browser.open(default_site.url("/files.html"))
        browser.screenshot(tmp_path / "files.png")
        assert browser.js(CLICK_DELETE.replace("NAME", names[0])) is True  # the row went away
        assert not (REPO / "uploads" / names[0]).exists()
    finally:
        for name in names:
            requests.delete(default_site.url(f"/uploads/{name}"), timeout=TIMEOUT)
