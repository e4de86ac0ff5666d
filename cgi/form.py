#!/usr/bin/env python3
"""An HTML form; a POST of it shows the urlencoded fields it sent, HTML-escaped."""
import html
import os
import sys
from urllib.parse import parse_qsl

FORM = """<form method="post">
<p><label>Name <input name="name"></label></p>
<p><label>Comment <textarea name="comment"></textarea></label></p>
<p><button>Send</button></p>
</form>"""

shown = FORM
if os.environ.get("REQUEST_METHOD") == "POST":
    body = sys.stdin.buffer.read().decode("utf-8", "replace")
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>\n"
                   for k, v in parse_qsl(body, keep_blank_values=True))
    shown = f"<table>\n{rows}</table>\n<p><a href=\"\">again</a></p>"
sys.stdout.write("Content-Type: text/html; charset=utf-8\r\n\r\n"
                 f"<!doctype html>\n<title>form</title>\n{shown}\n")
