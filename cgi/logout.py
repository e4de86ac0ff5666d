#!/usr/bin/env python3
"""Ends the session: a response that sets the session cookie itself makes the server destroy it."""
import sys

sys.stdout.write("""Content-Type: text/html; charset=utf-8\r
Set-Cookie: NLSESSID=; Path=/; Max-Age=0\r
Cache-Control: no-store\r
\r
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Logged out</title><link rel="stylesheet" href="/style.css"></head>
<body>
<header><a href="/"><img src="/img/logo.svg" alt="nginxlite logo"></a><h1>Logged out</h1></header>
<p class="what">Shows the end of a session: the script's own <code>Set-Cookie: NLSESSID=; Max-Age=0</code>
makes the server destroy its store entry (<code>session on</code>).</p>
<p>The session ended. <a href="/cgi/session.py">Start a new one</a> (the counter starts at 1 again).</p>
<footer><a href="/">Home</a></footer>
</body>
</html>
""")
