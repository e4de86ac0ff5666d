"""The only I/O layer: the epoll reactor, listeners, connections, logs and signals."""
