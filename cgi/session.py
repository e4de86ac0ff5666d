#!/usr/bin/env python3
"""A visit counter kept in the server-side session (``session on``): SESSION_FILE holds its JSON."""
import json
import os
import sys

path = os.environ["SESSION_FILE"]
try:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
except (OSError, ValueError):
    data = {}
if not isinstance(data, dict):
    data = {}
data["visits"] = visits = int(data.get("visits", 0)) + 1
temp = f"{path}.{os.getpid()}.tmp"  # atomically: a temporary file, then os.replace
with open(temp, "w", encoding="utf-8") as f:
    json.dump(data, f)
os.replace(temp, path)

sys.stdout.write(f"""Content-Type: text/html; charset=utf-8\r
Cache-Control: no-store\r
\r
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Session counter</title><link rel="stylesheet" href="/style.css"></head>
<body>
<header><a href="/"><img src="/img/logo.svg" alt="nginxlite logo"></a><h1>Session counter</h1></header>
<p class="what">Shows a counter kept in a server-side session: <code>session on</code> gives the
NLSESSID cookie and this script its data file (<code>SESSION_FILE</code>).</p>
<p>Visits in this session:</p>
<p class="big" id="visits">{visits}</p>
<p><a href="/cgi/session.py">Count again</a> &middot; <a href="/cgi/logout.py">Log out</a></p>
<footer><a href="/">Home</a></footer>
</body>
</html>
""")
