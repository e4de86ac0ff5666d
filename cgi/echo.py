#!/usr/bin/env python3
"""Echo the request body back with its Content-Type."""
import os
import sys

body = sys.stdin.buffer.read()
kind = os.environ.get("CONTENT_TYPE") or "application/octet-stream"
sys.stdout.buffer.write(f"Content-Type: {kind}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
