#!/bin/sh
# For `cgi_pass exec;`: the file itself is run.
printf 'Content-Type: text/plain\r\n\r\n'
echo "Hello from $(basename "$0") (pid $$)"
echo "method=$REQUEST_METHOD query=$QUERY_STRING path_info=$PATH_INFO"
