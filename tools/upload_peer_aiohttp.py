#!/usr/bin/env python3
"""The aiohttp peer of tools/bench_upload: a multipart POST streamed to a file, renamed into place.

    python upload_peer_aiohttp.py PORT STORE_DIR    (with aiohttp installed: tools/bench_upload
                                                   puts it in tools/.venv-bench)

POST /up/ with a ``multipart/form-data`` body: every part with a filename is written
to ``STORE_DIR/.NAME.part`` as it arrives (``part.read_chunk()``), renamed to
``STORE_DIR/NAME`` at its end; the answer is 201.  Benchmark peer only: the name is
reduced to its last path component and nothing else is checked.
"""

from __future__ import annotations

import os
import sys

from aiohttp import web

CHUNK = 256 << 10


async def upload(request: web.Request) -> web.Response:
    store = request.app["store"]
    reader = await request.multipart()
    stored = 0
    while (part := await reader.next()) is not None:
        if not part.filename:
            await part.release()
            continue
        name = os.path.basename(part.filename)
        tmp = os.path.join(store, f".{name}.part")
        with open(tmp, "wb") as out:
            while chunk := await part.read_chunk(CHUNK):
                out.write(chunk)
        os.replace(tmp, os.path.join(store, name))
        stored += 1
    return web.Response(status=201, text=f"{stored} stored\n")


def main() -> int:
    port, store = int(sys.argv[1]), sys.argv[2]
    app = web.Application()
    app["store"] = store
    app.router.add_post("/up/", upload)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
