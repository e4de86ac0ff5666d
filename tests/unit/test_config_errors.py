"""Every construct of the config language, checked against nginx 1.22's exact message and line.

Expectations were produced by running real ``nginx -t`` on each body (inside
``events {} http { ... }``); ``tests/differential`` re-checks the same kind of cases
against a live nginx.  Each case runs twice: as one whole file, and with the body
in a file pulled in by ``include`` (the error must then name the included file).
Lines are relative to the body; None means nginx reports no position.  nginxlite's own
lint warnings (``config.lint``, beyond nginx's) are left out here; test_lint.py has them.
"""

from __future__ import annotations

import pytest

from nginxlite.config import load_config
from nginxlite.config.lint import is_lint
from nginxlite.errors import ConfigError

# (id, http-block body, nginx's error (message, line) or None, [nginx's warnings (message, line)])
CASES = [
    ('unknown', 'server {\n  foo bar;\n}', ('unknown directive "foo"', 2), []),
    ('unknown_case', 'Server {}', ('unknown directive "Server"', 1), []),
    ('unknown_in_location', 'server {\n  location / {\n    proxy_passs http://x;\n  }\n}', ('unknown directive "proxy_passs"', 3), []),
    ('ctx_listen_in_location', 'server {\n  location / {\n    listen 80;\n  }\n}', ('"listen" directive is not allowed here', 3), []),
    ('ctx_location_outside_server', 'location / {}', ('"location" directive is not allowed here', 1), []),
    ('ctx_server_in_server', 'server {\n  server {}\n}', ('"server" directive is not allowed here', 2), []),
    ('ctx_root_in_events_like', 'server {\n  worker_connections 10;\n}', ('"worker_connections" directive is not allowed here', 2), []),
    ('ctx_alias_in_server', 'server {\n  alias /x;\n}', ('"alias" directive is not allowed here', 2), []),
    ('no_opening', 'server;', ('directive "server" has no opening "{"', 1), []),
    ('not_terminated', 'server {\n  root /x {\n  }\n}', ('directive "root" is not terminated by ";"', 2), []),
    ('args_root', 'server {\n  root;\n}', ('invalid number of arguments in "root" directive', 2), []),
    ('args_root_two', 'server {\n  root a b;\n}', ('invalid number of arguments in "root" directive', 2), []),
    ('args_missing_semicolon', 'server {\n  root /tmp\n  index i.html;\n}', ('invalid number of arguments in "root" directive', 3), []),
    ('args_flag', 'server {\n  autoindex on off;\n}', ('invalid number of arguments in "autoindex" directive', 2), []),
    ('args_location', 'server {\n  location {}\n}', ('invalid number of arguments in "location" directive', 2), []),
    ('args_location_three', 'server {\n  location = /a /b {}\n}', ('invalid number of arguments in "location" directive', 2), []),
    ('args_try_files', 'server {\n  try_files $uri;\n}', ('invalid number of arguments in "try_files" directive', 2), []),
    ('args_error_page', 'server {\n  error_page 404;\n}', ('invalid number of arguments in "error_page" directive', 2), []),
    ('args_return', 'server {\n  return;\n}', ('invalid number of arguments in "return" directive', 2), []),
    ('args_return_three', 'server {\n  return 200 a b;\n}', ('invalid number of arguments in "return" directive', 2), []),
    ('args_keepalive_timeout', 'keepalive_timeout 1 2 3;', ('invalid number of arguments in "keepalive_timeout" directive', 1), []),
    ('args_large_buffers', 'large_client_header_buffers 4;', ('invalid number of arguments in "large_client_header_buffers" directive', 1), []),
    ('args_types', 'types x {}', ('invalid number of arguments in "types" directive', 1), []),
    ('args_limit_except', 'server {\n  location / {\n    limit_except {}\n  }\n}', ('invalid number of arguments in "limit_except" directive', 3), []),
    ('args_add_header', 'add_header X;', ('invalid number of arguments in "add_header" directive', 1), []),
    ('args_many', 'index a b c d e f g h i j;', None, []),
    ('flag_invalid', 'server {\n  autoindex maybe;\n}', ('invalid value "maybe" in "autoindex" directive, it must be "on" or "off"', 2), []),
    ('flag_case', 'server {\n  autoindex ON;\n  etag Off;\n}', None, []),
    ('flag_dup', 'server {\n  etag on;\n  etag off;\n}', ('"etag" directive is duplicate', 3), []),
    ('log_not_found_value', 'server {\n  log_not_found maybe;\n}',
     ('invalid value "maybe" in "log_not_found" directive, it must be "on" or "off"', 2), []),
    ('log_not_found_args', 'server {\n  location / {\n    log_not_found;\n  }\n}',
     ('invalid number of arguments in "log_not_found" directive', 3), []),
    ('size_invalid', 'client_max_body_size 12zz;', ('"client_max_body_size" directive invalid value', 1), []),
    ('size_negative', 'client_max_body_size -1;', ('"client_max_body_size" directive invalid value', 1), []),
    ('size_units', 'client_max_body_size 1g;\nclient_body_buffer_size 8K;', None, []),
    ('size_dup', 'client_max_body_size 1m;\nclient_max_body_size 2m;', ('"client_max_body_size" directive is duplicate', 2), []),
    ('time_invalid', 'send_timeout 5x;', ('"send_timeout" directive invalid value', 1), []),
    ('time_units', 'send_timeout 1h30m;\nclient_body_timeout 500ms;\nclient_header_timeout 1d 2h;', ('invalid number of arguments in "client_header_timeout" directive', 3), []),
    ('time_order', 'send_timeout 30m1h;', ('"send_timeout" directive invalid value', 1), []),
    ('time_msec_year', 'send_timeout 1y;', ('"send_timeout" directive invalid value', 1), []),
    ('keepalive_invalid', 'keepalive_timeout 5x;', ('"keepalive_timeout" directive invalid value', 1), []),
    ('keepalive_header_invalid', 'keepalive_timeout 5 5ms;', ('"keepalive_timeout" directive invalid value', 1), []),
    ('keepalive_dup', 'keepalive_timeout 5;\nkeepalive_timeout 6;', ('"keepalive_timeout" directive is duplicate', 2), []),
    ('number_invalid', 'keepalive_requests abc;', ('"keepalive_requests" directive invalid number', 1), []),
    ('number_dup', 'keepalive_requests 1;\nkeepalive_requests 2;', ('"keepalive_requests" directive is duplicate', 2), []),
    ('enum_invalid', 'autoindex_format yaml;', ('invalid value "yaml"', 1), []),
    ('enum_dup', 'autoindex_format json;\nautoindex_format html;', ('"autoindex_format" directive is duplicate', 2), []),
    ('server_tokens_invalid', 'server_tokens maybe;', ('invalid value "maybe"', 1), []),
    ('bufs_invalid', 'large_client_header_buffers 0 8k;', ('"large_client_header_buffers" directive invalid value', 1), []),
    ('bufs_size_invalid', 'large_client_header_buffers 4 8x;', ('"large_client_header_buffers" directive invalid value', 1), []),
    ('default_type_dup', 'default_type a/b;\ndefault_type c/d;', ('"default_type" directive is duplicate', 2), []),
    ('dav_invalid', 'dav_methods GET;', ('invalid value "GET"', 1), []),
    ('dav_ok', 'dav_methods put delete mkcol;\ncreate_full_put_path on;', None, []),
    ('dav_all_ok', 'dav_methods put delete mkcol copy move;', None, []),
    ('dav_access_ok', 'server { location / { dav_access group:rw all:r; min_delete_depth 2; } }', None, []),
    ('dav_access_invalid', 'dav_access user:rx;', ('invalid value "user:rx"', 1), []),
    ('dav_access_word', 'dav_access foo;', ('invalid value "foo"', 1), []),
    ('dav_access_case', 'dav_access User:rw;', ('invalid value "User:rw"', 1), []),
    ('dav_access_right_case', 'dav_access user:RW;', ('invalid value "user:RW"', 1), []),
    ('dav_access_args', 'dav_access user:rw group:r all:r extra:r;',
     ('invalid number of arguments in "dav_access" directive', 1), []),
    ('dav_access_none', 'dav_access;', ('invalid number of arguments in "dav_access" directive', 1), []),
    ('dav_access_dup', 'dav_access user:rw;\ndav_access user:r;', ('"dav_access" directive is duplicate', 2), []),
    ('min_delete_depth_invalid', 'min_delete_depth abc;', ('"min_delete_depth" directive invalid number', 1), []),
    ('min_delete_depth_negative', 'min_delete_depth -1;', ('"min_delete_depth" directive invalid number', 1), []),
    ('min_delete_depth_dup', 'min_delete_depth 1;\nmin_delete_depth 2;',
     ('"min_delete_depth" directive is duplicate', 2), []),
    ('min_delete_depth_args', 'min_delete_depth;', ('invalid number of arguments in "min_delete_depth" directive', 1), []),
    ('listen_port_too_big', 'server {\n  listen 70000;\n}', ('invalid port in "70000" of the "listen" directive', 2), []),
    ('listen_port_zero', 'server {\n  listen 0;\n}', ('invalid port in "0" of the "listen" directive', 2), []),
    ('listen_ip_port_too_big', 'server {\n  listen 127.0.0.1:99999;\n}', ('invalid port in "127.0.0.1:99999" of the "listen" directive', 2), []),
    ('listen_bad_port', 'server {\n  listen 127.0.0.1:abc;\n}', ('invalid port in "127.0.0.1:abc" of the "listen" directive', 2), []),
    ('listen_no_host', 'server {\n  listen :8080;\n}', ('no host in ":8080" of the "listen" directive', 2), []),
    ('listen_bad_param', 'server {\n  listen 8080 foo;\n}', ('invalid parameter "foo"', 2), []),
    ('listen_dup', 'server {\n  listen 127.0.0.1:8080;\n  listen 127.0.0.1:8080;\n}', ('a duplicate listen 127.0.0.1:8080', 3), []),
    ('listen_dup_default', 'server {\n  listen 127.0.0.1:8080 default_server;\n}\nserver {\n  listen 127.0.0.1:8080 default;\n}', ('a duplicate default server for 127.0.0.1:8080', 5), []),
    ('listen_dup_options', 'server {\n  listen 8081 backlog=10;\n}\nserver {\n  listen 8081 reuseport;\n}', ('duplicate listen options for 0.0.0.0:8081', 5), []),
    ('listen_default_per_port', 'server {\n  listen 8081 default_server;\n  listen 8082;\n}\nserver {\n  listen 8082 default_server;\n  listen 8081;\n}', None, [('conflicting server name "" on 0.0.0.0:8081, ignored', None), ('conflicting server name "" on 0.0.0.0:8082, ignored', None)]),
    ('listen_forms', 'server {\n  listen localhost:8080;\n  listen [::1]:8080;\n  listen *:8081;\n  listen 127.0.0.1;\n}', None, []),
    ('listen_ipv6_bad', 'server {\n  listen [zz]:80;\n}', ('invalid IPv6 address in "[zz]:80" of the "listen" directive', 2), []),
    ('server_name_star', 'server {\n  server_name *;\n}', ('server name "*" is invalid', 2), []),
    ('server_name_dot', 'server {\n  server_name .;\n}', ('server name "." is invalid', 2), []),
    ('server_name_empty_regex', 'server {\n  server_name ~;\n}', ('empty regex in server name "~"', 2), []),
    ('server_name_bad_regex', 'server {\n  server_name ~^(a;\n}', ('pcre2_compile() failed: missing closing parenthesis in "^(a"', 2), []),
    ('server_name_wildcard_lone', 'server {\n  listen 8080;\n  server_name www.*.example.com;\n}', None, []),
    ('server_name_wildcard_shared', 'server {\n  listen 8080;\n  server_name www.*.example.com;\n}\nserver {\n  listen 8080;\n}', ('invalid server name or wildcard "www.*.example.com" on 0.0.0.0:8080', None), []),
    ('server_name_conflict', 'server {\n  listen 8080;\n  server_name a.test;\n}\nserver {\n  listen 8080;\n  server_name A.TEST;\n}', None, [('conflicting server name "a.test" on 0.0.0.0:8080, ignored', None)]),
    ('server_name_conflict_unnamed', 'server {\n  listen 8080;\n}\nserver {\n  listen 8080;\n}', None, [('conflicting server name "" on 0.0.0.0:8080, ignored', None)]),
    ('server_name_conflict_dot', 'server {\n  listen 8080;\n  server_name .a.test;\n}\nserver {\n  listen 8080;\n  server_name a.test *.a.test;\n}', None, [('conflicting server name "a.test" on 0.0.0.0:8080, ignored', None), ('conflicting server name "*.a.test" on 0.0.0.0:8080, ignored', None)]),
    ('server_name_forms', 'server {\n  listen 8080;\n  server_name "" a.test *.b.test c.* ~^w\\d+;\n}\nserver {\n  listen 8080;\n  server_name d.test;\n}', None, []),
    ('location_modifier', 'server {\n  location ~~ /a {}\n}', ('invalid location modifier "~~"', 2), []),
    ('location_modifier_path', 'server {\n  location /a /b {}\n}', ('invalid location modifier "/a"', 2), []),
    ('location_outside', 'server {\n  location /a {\n    location /b {}\n  }\n}', ('location "/b" is outside location "/a"', 3), []),
    ('location_in_exact', 'server {\n  location = /a {\n    location /a/b {}\n  }\n}', ('location "/a/b" cannot be inside the exact location "/a"', 3), []),
    ('location_in_named', 'server {\n  location @n {\n    location /x {}\n  }\n}', ('location "/x" cannot be inside the named location "@n"', 3), []),
    ('location_named_nested', 'server {\n  location /a {\n    location @n {}\n  }\n}', ('named location "@n" can be on the server level only', 3), []),
    ('location_dup', 'server {\n  location /a {}\n  location /a {}\n}', ('duplicate location "/a"', 3), []),
    ('location_dup_noregex', 'server {\n  location /a {}\n  location ^~ /a {}\n}', ('duplicate location "/a"', 3), []),
    ('location_dup_exact', 'server {\n  location = /a {}\n  location = /a {}\n}', ('duplicate location "/a"', 3), []),
    ('location_exact_and_prefix', 'server {\n  location = /a {}\n  location /a {}\n}', None, []),
    ('location_dup_nested_first', 'server {\n  location /y {}\n  location /y {}\n  location /z {\n    location /z/a {}\n    location /z/a {}\n  }\n}', ('duplicate location "/z/a"', 6), []),
    ('location_dup_reported_after_block', 'server {\n  location /y {}\n  location /y {}\n}\nfoo;', ('unknown directive "foo"', 5), []),
    ('location_regex_error', 'server {\n  location ~ ^/(a {}\n}', ('pcre2_compile() failed: missing closing parenthesis in "^/(a"', 2), []),
    ('location_regex_unmatched', 'server {\n  location ~ a) {}\n}', ('pcre2_compile() failed: unmatched closing parenthesis in "a)" at ")"', 2), []),
    ('location_regex_repeat', 'server {\n  location ~ * {}\n}', ('pcre2_compile() failed: quantifier does not follow a repeatable item in "*" at "*"', 2), []),
    ('location_regex_class', 'server {\n  location ~ [a {}\n}', ('pcre2_compile() failed: missing terminating ] for character class in "[a"', 2), []),
    ('location_regex_range', 'server {\n  location ~ [z-a] {}\n}', ('pcre2_compile() failed: range out of order in character class in "[z-a]" at "a]"', 2), []),
    ('location_forms', 'server {\n  location = / {}\n  location / {}\n  location ~ / {}\n  location ~* / {}\n  location ^~ /x {}\n  location @x {}\n  location =/y {}\n  location ^~/s {}\n  location ~\\.php$ {}\n  location ~*\\.gif$ {}\n}', None, []),
    ('location_nested_ok', 'server {\n  location /a {\n    location /a/b {\n      location ~ \\.x$ {}\n    }\n  }\n  location ~ ^/r {\n    location ~ \\.y$ {}\n  }\n}', None, []),
    ('location_named_capture', 'server {\n  location ~ ^/(?<name>.+)$ {\n    return 200 $name;\n  }\n}', None, []),
    ('return_code_too_big', 'server {\n  return 1000;\n}', ('invalid return code "1000"', 2), []),
    ('return_path', 'server {\n  return /path;\n}', ('invalid return code "/path"', 2), []),
    ('return_word', 'server {\n  return abc;\n}', ('invalid return code "abc"', 2), []),
    ('return_forms', 'server {\n  location /a { return 301 https://$host$request_uri; }\n  location /b { return https://x; }\n  location /c { return 200 "text"; }\n  location /d { return 404; }\n}', None, []),
    ('return_unknown_variable', 'server {\n  return 200 "$nope";\n}', ('unknown "nope" variable', None), []),
    ('return_bad_variable', 'server {\n  return 200 "a $ b";\n}', ('invalid variable name', 2), []),
    ('return_unclosed_variable', 'server {\n  return 200 "${uri";\n}', ('the closing bracket in "uri" variable is missing', 2), []),
    ('error_page_range', 'server {\n  error_page 99 /x;\n}', ('value "99" must be between 300 and 599', 2), []),
    ('error_page_499', 'server {\n  error_page 499 /x;\n}', ('invalid value "499"', 2), []),
    ('error_page_word', 'server {\n  error_page abc /x;\n}', ('invalid value "abc"', 2), []),
    ('error_page_bad_overwrite', 'server {\n  error_page 404 =abc /x;\n}', ('invalid value "=abc"', 2), []),
    ('error_page_only_overwrite', 'server {\n  error_page =200 /x;\n}', ('invalid value "=200"', 2), []),
    ('error_page_forms', 'server {\n  error_page 404 /404.html;\n  error_page 500 502 =200 /50x.html;\n  error_page 403 = @named;\n  error_page 410 =301 https://x/;\n  location @named {}\n}', None, []),
    ('try_files_bad_code', 'server {\n  try_files $uri =abc;\n}', ('invalid code "=abc"', 2), []),
    ('try_files_big_code', 'server {\n  try_files $uri =1000;\n}', ('invalid code "=1000"', 2), []),
    ('try_files_dup', 'server {\n  try_files $uri =404;\n  try_files $uri =404;\n}', ('"try_files" directive is duplicate', 3), []),
    ('index_empty', 'index "";', ('index "" in "index" directive is invalid', 1), []),
    ('index_absolute_not_last', 'index /a b;', None, [('only the last index in "index" directive should be absolute', 1)]),
    ('max_ranges_negative', 'server {\n  max_ranges -1;\n}', ('"max_ranges" directive invalid number', 2), []),
    ('max_ranges_word', 'max_ranges abc;', ('"max_ranges" directive invalid number', 1), []),
    ('max_ranges_dup', 'server {\n  location / {\n    max_ranges 1;\n    max_ranges 2;\n  }\n}', ('"max_ranges" directive is duplicate', 4), []),
    ('max_ranges_levels', 'max_ranges 0;\nserver {\n  max_ranges 5;\n  location / {\n    max_ranges 1;\n  }\n}', None, []),
    ('root_dup', 'server {\n  root /a;\n  root /b;\n}', ('"root" directive is duplicate', 3), []),
    ('root_then_alias', 'server {\n  location / {\n    root /a;\n    alias /b;\n  }\n}', ('"alias" directive is duplicate, "root" directive was specified earlier', 4), []),
    ('alias_then_root', 'server {\n  location / {\n    alias /a;\n    root /b;\n  }\n}', ('"root" directive is duplicate, "alias" directive was specified earlier', 4), []),
    ('alias_dup', 'server {\n  location / {\n    alias /a;\n    alias /b;\n  }\n}', ('"alias" directive is duplicate', 4), []),
    ('alias_named', 'server {\n  location @n {\n    alias /x;\n  }\n}', ('the "alias" directive cannot be used inside the named location', 3), []),
    ('root_document_root', 'root $document_root/x;', ('the $document_root variable cannot be used in the "root" directive', 1), []),
    ('limit_except_method', 'server {\n  location / {\n    limit_except FOO {\n      deny all;\n    }\n  }\n}', ('invalid method "FOO"', 3), []),
    ('limit_except_dup', 'server {\n  location / {\n    limit_except GET {}\n    limit_except GET {}\n  }\n}', ('"limit_except" directive is duplicate', 4), []),
    ('limit_except_root', 'server {\n  location / {\n    limit_except GET {\n      root /x;\n    }\n  }\n}', ('"root" directive is not allowed here', 4), []),
    ('limit_except_ok', 'server {\n  location / {\n    limit_except get post {\n      allow 127.0.0.1;\n      deny all;\n    }\n  }\n}', None, []),
    ('limit_except_in_server', 'server {\n  limit_except GET {}\n}', ('"limit_except" directive is not allowed here', 2), []),
    ('allow_invalid', 'allow foo;', ('invalid parameter "foo"', 1), []),
    ('allow_prefix', 'allow 1.2.3.4/33;', ('invalid parameter "1.2.3.4/33"', 1), []),
    ('allow_low_bits', 'allow 1.2.3.4/16;', None, [('low address bits of 1.2.3.4/16 are meaningless', 1)]),
    ('allow_ok', 'allow 10.0.0.0/8;\nallow ::1;\ndeny all;', None, []),
    ('add_header_param', 'add_header X y z;', ('invalid parameter "z"', 1), []),
    ('add_header_ok', 'add_header X y always;\nadd_header Z $uri;', None, []),
    ('access_log_unknown_format', 'access_log x.log foo;', ('unknown log format "foo"', 1), []),
    ('access_log_off_param', 'access_log off x;', ('invalid parameter "x"', 1), []),
    ('access_log_buffer', 'access_log x.log combined buffer=zz;', ('invalid buffer size "zz"', 1), []),
    ('access_log_flush', 'access_log x.log combined flush=zz;', ('invalid flush time "zz"', 1), []),
    ('access_log_param', 'access_log x.log combined foo;', ('invalid parameter "foo"', 1), []),
    ('access_log_ok', 'log_format main \'$remote_addr "$request"\';\naccess_log x.log main buffer=32k flush=5s;', None, []),
    ('log_format_dup_combined', "log_format combined '$remote_addr';", ('duplicate "log_format" name "combined"', 1), []),
    ('log_format_dup', "log_format a '$remote_addr';\nlog_format a '$remote_addr';", ('duplicate "log_format" name "a"', 2), []),
    ('log_format_unknown_variable', "log_format f '$nope';", ('unknown "nope" variable', None), []),
    ('error_log_level', 'error_log x.log bogus;', ('invalid log level "bogus"', 1), []),
    ('error_log_two_levels', 'error_log x.log debug info;', ('duplicate log level "info"', 1), []),
    ('types_dup_extension', 'types {\n  text/html html;\n  text/plain html;\n}', None, [('duplicate extension "html", content type: "text/plain", previous content type: "text/html"', 3)]),
    ('types_block_inside', 'types {\n  text/html html;\n  a {\n  }\n}', ('unexpected "{"', 3), []),
    ('types_include_missing', 'types {\n  include nope.types;\n}', ('open() "{dir}/nope.types" failed (2: No such file or directory)', 2), []),
    ('types_ok', 'types {\n  text/html html htm;\n  text/plain;\n}\ndefault_type application/octet-stream;', None, []),
    ('include_missing', 'include nope.conf;', ('open() "{dir}/nope.conf" failed (2: No such file or directory)', 1), []),
    ('include_glob_empty', 'include nope/*.conf;', None, []),
    ('server_header_timeout_in_location', 'server {\n  location / {\n    client_header_timeout 5;\n  }\n}', ('"client_header_timeout" directive is not allowed here', 3), []),
    ('merge_slashes_in_location', 'server {\n  location / {\n    merge_slashes off;\n  }\n}', ('"merge_slashes" directive is not allowed here', 3), []),
    ('stub_status_ok', 'server {\n  location = /status {\n    stub_status;\n  }\n}', None, []),
    ('redirect_flags_ok', 'server_tokens build;\nabsolute_redirect off;\nport_in_redirect off;\nserver_name_in_redirect on;', None, []),
    ('autoindex_ok', 'index a b c;\nindex d;\nautoindex on;\nautoindex_exact_size off;\nautoindex_localtime on;\nautoindex_format json;', None, []),
    ('quoted_name', '"server" {\n  "listen" "8083" ;\n}', None, []),
    ('empty_name', '"" x;', ('unknown directive ""', 1), []),
    ('stray_semicolon', 'server {\n  ;\n}', ('unexpected ";"', 2), []),
    ('stray_brace', 'server {\n  listen 80 }\n}', ('unexpected "}"', 2), []),
    ('glued_brace', 'server {\n  return 200 ok};\n}', None, []),
    ('text_after_quote', 'server {\n  return 200 "a"b;\n}', ('unexpected "b"', 2), []),
    ('paren_after_quote', 'server {\n  return 200 "x")\n  ;\n}', ('invalid number of arguments in "return" directive', 3), []),
    ('comments_between_args', 'server {\n  return # c\n 200 # d\n x;\n}', None, []),
    ('variables_braced', 'server {\n  return 200 ${uri}x$args;\n}', None, []),
    ('escapes', 'server {\n  return 200 a\\"b\\\\c\\tq;\n}', None, []),
    ('multiline_quoted', 'server {\n  return 200 "a\nb;{}#";\n}', None, []),
    ('crlf', 'server {\r\n  listen\r\n 8080;\r\n}', None, []),
    ('non_utf8', 'server {\n  listen 8080; # céÿ\n  return 200 "éþ";\n}', None, []),
    ('form_feed_word', 'server {\n  listen\x0c8080;\n}', ('unknown directive "listen\x0c8080"', 2), []),
    ('eof_in_block', 'server {\n  listen 8080;', ('unexpected end of file, expecting "}"', 4), []),
    ('eof_in_directive', 'server {\n  listen 8080', ('unexpected "}"', 3), []),
    # expires, charset, gzip (nginx's headers, charset and gzip filter modules), checked with nginx -t
    ('expires_invalid', 'expires foo;', ('"expires" directive invalid value', 1), []),
    ('expires_modified_epoch', 'expires modified epoch;', ('"expires" directive invalid value', 1), []),
    ('expires_modified_daily', 'expires modified @1h;',
     ('"expires" directive daily time cannot be used with "modified" parameter', 1), []),
    ('expires_daily_too_long', 'expires @25h;', ('"expires" directive daily time value must be less than 24 hours', 1), []),
    ('expires_dup', 'expires 1h;\nexpires 2h;', ('"expires" directive is duplicate', 2), []),
    ('expires_two_args', 'expires foo 1h;', ('"expires" directive invalid value', 1), []),
    ('expires_unknown_variable', 'expires $nosuch;', ('unknown "nosuch" variable', None), []),
    ('expires_empty', 'expires "";', ('"expires" directive invalid value', 1), []),
    ('expires_forms', 'expires -1h;\nserver {\n  expires modified +1d;\n  location / { expires @13h; }\n'
     '  location /a { expires epoch; }\n  location /b { expires max; }\n  location /c { expires off; }\n}', None, []),
    ('gzip_types_dup', 'gzip_types text/html text/plain text/plain;', None,
     [('duplicate MIME type "text/html"', 1), ('duplicate MIME type "text/plain"', 1)]),
    ('charset_types_dup', 'charset_types text/css;\ncharset_types text/xml text/css;', None,
     [('duplicate MIME type "text/css"', 2)]),
    ('gzip_http_version', 'gzip_http_version 2.0;', ('invalid value "2.0"', 1), []),
    ('gzip_disable_regex', 'gzip_disable "(";', ('pcre2_compile() failed: missing closing parenthesis in "("', 1), []),
    ('gzip_proxied_value', 'gzip_proxied any foo;', ('invalid value "foo"', 1), []),
    ('gzip_proxied_dup_value', 'gzip_proxied any any;', None, [('duplicate value "any"', 1)]),
    ('gzip_comp_level', 'gzip_comp_level 10;', ('value must be between 1 and 9', 1), []),
    ('charset_same_source', 'server {\n  charset utf-8;\n  location / { source_charset UTF-8; }\n}', None, []),
]

# An included file ends where the body ends: an open block or statement is
# reported at the end of the included file, not at the main file's "}".
INCLUDE_DIFFERS = {
    "eof_in_block": ('unexpected end of file, expecting "}"', 2),
    "eof_in_directive": ('unexpected end of file, expecting ";" or "}"', 2),
}


def _load(tmp_path, body: str, via_include: bool):
    main = tmp_path / "nginx.conf"
    if via_include:
        (tmp_path / "body.conf").write_bytes(body.encode("latin-1"))
        main.write_bytes(b"events {}\nhttp {\ninclude body.conf;\n}\n")
        where, offset = str(tmp_path / "body.conf"), 0
    else:
        main.write_bytes(("events {}\nhttp {\n" + body + "\n}\n").encode("latin-1"))
        where, offset = str(main), 2
    return str(main), where, offset


@pytest.mark.parametrize("via_include", [False, True], ids=["file", "include"])
@pytest.mark.parametrize("name, body, error, warnings", CASES, ids=[c[0] for c in CASES])
def test_case(tmp_path, name, body, error, warnings, via_include):
    if via_include and name in INCLUDE_DIFFERS:
        error = INCLUDE_DIFFERS[name]
    main, where, offset = _load(tmp_path, body, via_include)
    expected_warnings = [(m, None if line is None else (where, line + offset)) for m, line in warnings]
    if error is None:
        config = load_config(main, str(tmp_path))
        got = [(w.message, None if w.pos is None else (w.pos.file, w.pos.line)) for w in config.warnings
               if not is_lint(w.message)]
        assert got == expected_warnings
        return
    with pytest.raises(ConfigError) as info:
        load_config(main, str(tmp_path))
    err = info.value
    message, line = error
    assert err.message == message.replace("{dir}", str(tmp_path))
    if line is None:
        assert err.pos is None
    else:
        assert (err.pos.file, err.pos.line) == (where, line + offset)
    got = [(w.message, None if w.pos is None else (w.pos.file, w.pos.line)) for w in err.warnings]
    assert got == expected_warnings
