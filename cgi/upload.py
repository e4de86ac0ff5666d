#!/usr/bin/env python3
"""List the files of a multipart/form-data POST (names and sizes), standard library only.

The body is parsed by ``email.parser.BytesParser`` once a synthetic header block
(the request's Content-Type) is put in front of it.
"""
import html
import os
import sys
from email.parser import BytesParser
from email.policy import HTTP

FORM = """<form method="post" enctype="multipart/form-data">
<p><input type="file" name="file" multiple> <button>Upload</button></p>
</form>"""

shown = FORM
if os.environ.get("REQUEST_METHOD") == "POST":
    head = f"Content-Type: {os.environ.get('CONTENT_TYPE', '')}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + sys.stdin.buffer.read())
    rows = ""
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_filename()
        if name is not None:
            size = len(part.get_payload(decode=True) or b"")
            rows += f"<li>{html.escape(name)}: {size} bytes</li>\n"
    shown = f"<ul>\n{rows}</ul>" if rows else "<p>no file</p>"
sys.stdout.write("Content-Type: text/html; charset=utf-8\r\n\r\n"
                 f"<!doctype html>\n<title>upload</title>\n{shown}\n")
