#!/usr/bin/env python3
"""Benchmark: how long nginxlite takes to load and validate a large configuration.

Generates a config of N server blocks (10 lines each, 3 locations with a regex,
error pages, variables) and times ``load_config`` over several rounds; with
``--nginx`` it times ``nginx -t`` on the same file for comparison.

    python tools/bench_config.py                # 500 servers, ~5,000 lines
    python tools/bench_config.py --servers 2000 --rounds 3 --nginx
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from nginxlite.config import load_config  # noqa: E402


def make_config(servers: int) -> str:
    out = ["events { worker_connections 1024; }", "http {", "    default_type application/octet-stream;"]
    for i in range(servers):
        out += [
            "    server {",
            f"        listen 127.0.0.1:{10000 + i % 50};",
            f"        server_name site{i}.test *.site{i}.test;  # a comment",
            f"        root /srv/site{i};",
            "        error_page 404 /404.html;",
            "        location / { try_files $uri $uri/ =404; }",
            f"        location = /health {{ return 200 \"ok {i} $host\"; }}",
            "        location ~* \\.(png|jpe?g|gif)$ { autoindex off; }",
            "        location /files/ { alias /srv/files/; autoindex on; }",
            "    }",
        ]
    out.append("}")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--nginx", action="store_true", help="also time nginx -t on the same file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "nginx.conf")
        text = make_config(args.servers)
        with open(path, "w") as f:
            f.write(text)
        lines = text.count("\n")
        times = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            load_config(path, tmp)
            times.append(time.perf_counter() - start)
        print(f"config: {lines} lines, {args.servers} server blocks")
        print(f"nginxlite load_config: best {min(times):.3f} s, median {statistics.median(times):.3f} s "
              f"over {args.rounds} rounds")
        if args.nginx and shutil.which("nginx"):
            ntimes = []
            for _ in range(args.rounds):
                start = time.perf_counter()
                subprocess.run(["nginx", "-t", "-q", "-p", tmp, "-c", path, "-e", os.path.join(tmp, "e.log")],
                               check=False, capture_output=True)
                ntimes.append(time.perf_counter() - start)
            print(f"nginx -t: best {min(ntimes):.3f} s, median {statistics.median(ntimes):.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
