"""nginxlite: a pure-Python HTTP/1.1 web server that reads nginx configuration files."""

__version__ = "0.1.0"
NAME = "nginxlite"
