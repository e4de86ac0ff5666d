"""Sans-IO HTTP/1.1: bytes in, events out; no sockets, clocks or files here."""
