#!/usr/bin/env python3
"""Dump the CGI environment, one NAME=value a line, sorted."""
import os
import sys

out = "".join(f"{name}={value}\n" for name, value in sorted(os.environ.items()))
sys.stdout.write("Content-Type: text/plain; charset=utf-8\r\n\r\n" + out)
