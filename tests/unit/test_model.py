"""The resolved model: nginx's inheritance, site files, addresses, includes, -g."""

from __future__ import annotations

import os

import pytest

from nginxlite.config import load_config
from nginxlite.config.model import DEFAULT_TYPES, NameKind
from nginxlite.errors import ConfigError


def load(write, text: str, name: str = "nginx.conf", extra: str | None = None):
    path = write(name, text)
    return load_config(path, os.path.dirname(path), extra)


def test_settings_inherit_http_server_location(write, tmp_path):
    cfg = load(write, """
        events {}
        http {
            root /srv/www/;
            autoindex on;
            client_max_body_size 2m;
            server {
                listen 127.0.0.1:8080;
                index a.html;
                location /a/ {
                    root rel;
                    location /a/b/ { autoindex off; }
                }
            }
        }""")
    server = cfg.servers[0]
    assert server.settings.root == "/srv/www"  # trailing slash dropped, as nginx
    assert server.settings.autoindex is True
    assert server.settings.index == ("a.html",)
    a = server.locations[0]
    assert a.settings.root == str(tmp_path / "rel")  # relative to the prefix
    assert a.settings.client_max_body_size == 2 << 20
    b = a.locations[0]
    assert (b.settings.root, b.settings.autoindex, b.settings.index) == (str(tmp_path / "rel"), False, ("a.html",))


def test_list_directives_are_all_or_nothing(write):
    cfg = load(write, """
        events {}
        http {
            error_page 404 /404.html;
            add_header X-A a;
            server {
                listen 8080;
                location /own/ { error_page 500 /500.html; add_header X-B b; }
                location /inherits/ { }
            }
        }""")
    own, inherits = cfg.servers[0].locations
    assert [(p.codes, p.target) for p in own.settings.error_page] == [((500,), "/500.html")]
    assert [h.name for h in own.settings.add_header] == ["X-B"]
    assert [(p.codes, p.target) for p in inherits.settings.error_page] == [((404,), "/404.html")]


def test_error_page_overwrite_forms(write):
    cfg = load(write, "server { listen 8080; error_page 404 /a; error_page 500 502 =200 /b; error_page 403 = @n;"
                      " location @n {} }")
    pages = cfg.servers[0].settings.error_page
    assert [(p.codes, p.overwrite, p.target) for p in pages] == [
        ((404,), None, "/a"), ((500,), 200, "/b"), ((502,), 200, "/b"), ((403,), 0, "@n")]


def test_types_block_replaces_the_inherited_map(write):
    cfg = load(write, """
        events {}
        http {
            types { text/html html; image/png PNG; }
            server { listen 8080; location /t/ { types { text/plain txt; } } location /u/ {} }
        }""")
    server = cfg.servers[0]
    assert dict(server.settings.types) == {"html": "text/html", "png": "image/png"}
    assert dict(server.locations[0].settings.types) == {"txt": "text/plain"}
    assert dict(server.locations[1].settings.types) == {"html": "text/html", "png": "image/png"}


def test_default_types_without_a_types_block(write):
    cfg = load(write, "server { listen 8080; }")
    assert dict(cfg.servers[0].settings.types) == dict(DEFAULT_TYPES)


def test_return_try_files_limit_except_are_not_inherited(write):
    cfg = load(write, """
        server {
            listen 8080;
            location /p {
                return 200 "p";
                try_files $uri =404;
                limit_except GET { deny all; }
                location /p/child { }
            }
        }""")
    p = cfg.servers[0].locations[0]
    assert p.return_.code == 200 and p.return_.text == "p"
    assert p.try_files == ("$uri", "=404")
    assert p.limit_except.methods == {"GET", "HEAD"}
    assert [r.allow for r in p.limit_except.settings.access] == [False]
    child = p.locations[0]
    assert (child.return_, child.try_files, child.limit_except) == (None, None, None)


def test_alias_mapping_is_inherited_with_the_parent_prefix(write):
    cfg = load(write, "server { listen 8080; location /a/ { alias /x/; location /a/b/ { } } }")
    a = cfg.servers[0].locations[0]
    assert (a.settings.root, a.settings.alias, a.settings.alias_strip) == ("/x/", True, 3)
    assert a.locations[0].settings.alias_strip == 3


def test_first_return_wins(write):
    cfg = load(write, "server { listen 8080; return 301 https://$host$request_uri; return 200; }")
    assert (cfg.servers[0].return_.code, cfg.servers[0].return_.text) == (301, "https://$host$request_uri")


def test_return_url_alone_is_302(write):
    cfg = load(write, "server { listen 8080; location / { return https://x/; } }")
    assert (cfg.servers[0].locations[0].return_.code, cfg.servers[0].locations[0].return_.text) == (302, "https://x/")


def test_location_modifiers(write):
    cfg = load(write, "server { listen 8080; location = /e {} location ^~ /n {} location ~ \\.php$ {}"
                      " location ~* \\.GIF$ {} location @named {} location /p {} location =/g {} }")
    locs = cfg.servers[0].locations
    assert [(loc.modifier, loc.name) for loc in locs] == [
        ("=", "/e"), ("^~", "/n"), ("~", "\\.php$"), ("~*", "\\.GIF$"), ("@", "@named"), ("", "/p"), ("=", "/g")]
    assert locs[2].regex.search("/x.php") and not locs[2].regex.search("/x.PHP")
    assert locs[3].regex.search("/x.gif")


def test_site_file_is_read_inside_http(write):
    cfg = load(write, "server { listen 127.0.0.1:8080; server_name A.Test; }\n"
                      "server { listen 127.0.0.1:8080 default_server; }\n", name="site.conf")
    (addr,) = cfg.addresses
    assert (addr.host, addr.port) == ("127.0.0.1", 8080)
    assert addr.default is cfg.servers[1]
    assert cfg.servers[0].names[0].text == "a.test"
    assert cfg.servers[1].names[0].text == ""


def test_server_at_top_level_of_full_config_is_not_allowed(write):
    with pytest.raises(ConfigError, match='"server" directive is not allowed here'):
        load(write, "events {}\nserver {}\n")


def test_empty_file_lacks_events(write):
    with pytest.raises(ConfigError) as info:
        load(write, "# nothing\n")
    assert info.value.message == 'no "events" section in configuration' and info.value.after_syntax_ok


def test_default_server_is_per_address(write):
    cfg = load(write, """
        server { listen 127.0.0.1:18081; listen 127.0.0.1:18082 default_server; server_name one; }
        server { listen 127.0.0.1:18081 default_server; listen 127.0.0.1:18082; server_name two; }""")
    defaults = {a.port: a.default.names[0].text for a in cfg.addresses}
    assert defaults == {18081: "two", 18082: "one"}


def test_no_listen_means_port_80_or_8000(write):
    cfg = load(write, "server { server_name x; }")
    expected = 80 if os.geteuid() == 0 else 8000
    assert [(a.host, a.port) for a in cfg.addresses] == [("0.0.0.0", expected)]


def test_server_name_kinds(write):
    cfg = load(write, 'server { listen 8080; server_name "" a.test *.b.test .c.test d.* ~^w\\d+ ~CamelRx; }')
    names = cfg.servers[0].names
    assert [(n.text, n.kind) for n in names[:6]] == [
        ("", NameKind.EXACT), ("a.test", NameKind.EXACT), ("*.b.test", NameKind.WILDCARD_HEAD),
        (".c.test", NameKind.WILDCARD_HEAD), ("d.*", NameKind.WILDCARD_TAIL), ("~^w\\d+", NameKind.REGEX)]
    assert names[6].regex.search("xcamelrx")  # an upper-case letter makes it caseless


def test_include_glob_sorted_and_relative_to_main_config(write, tmp_path):
    write("conf.d/b.conf", "server { listen 8082; server_name b; }\n")
    write("conf.d/a.conf", "server { listen 8081; server_name a; }\n")
    write("conf.d/skip.txt", "garbage\n")
    main = write("etc/nginx.conf", "events {}\nhttp { include ../conf.d/*.conf; include ../none/*.conf; }\n")
    cfg = load_config(main, str(tmp_path))
    assert [s.names[0].text for s in cfg.servers] == ["a", "b"]
    assert [os.path.basename(name) for name, _ in cfg.files] == ["nginx.conf", "a.conf", "b.conf"]


def test_include_loop_is_an_error_not_a_crash(write):
    write("loop.conf", "include loop.conf;\n")
    with pytest.raises(ConfigError, match="include nesting deeper than 64 levels"):
        load(write, "events {}\nhttp { include loop.conf; }\n")


def test_error_in_included_file_names_it(write, tmp_path):
    write("inc/x.conf", "server {\n  listen 8080;\n  bogus;\n}\n")
    with pytest.raises(ConfigError) as info:
        load(write, "events {}\nhttp {\n  include inc/x.conf;\n}\n")
    assert str(info.value) == f'unknown directive "bogus" in {tmp_path}/inc/x.conf:3'


def test_command_line_directives(write):
    cfg = load(write, "events {}\nhttp {}\n", extra="pid run/x.pid;")
    assert cfg.pid.endswith("run/x.pid")
    with pytest.raises(ConfigError) as info:
        load(write, "pid a.pid;\nevents {}\nhttp {}\n", extra="pid run/x.pid;")
    assert info.value.message == '"pid" directive is duplicate'
    with pytest.raises(ConfigError) as info:
        load(write, "events {}\n", extra="bogus;")
    assert str(info.value) == 'unknown directive "bogus" in command line'


def test_main_level_values(write):
    cfg = load(write, "error_log logs/e.log warn;\nevents { worker_connections 64; }\nhttp {}\n")
    assert cfg.worker_connections == 64
    assert [(os.path.basename(e.path), e.level) for e in cfg.error_log] == [("e.log", "warn")]


def test_server_level_settings_merge_from_http(write):
    cfg = load(write, "events {}\nhttp { merge_slashes off; client_header_timeout 5s;\n"
                      "server { listen 8080; large_client_header_buffers 2 1k; } }\n")
    s = cfg.servers[0]
    assert (s.merge_slashes, s.client_header_timeout, s.large_client_header_buffers) == (False, 5.0, (2, 1024))


def test_nginxlite_directives(write):
    cfg = load(write, """
        server {
            listen 8080;
            session on; session_name SID; session_timeout 1h; session_store st;
            location /cgi-bin/ {
                allow_methods GET POST;
                cgi_pass /usr/bin/python3;
                cgi_split_path_info ^(.+\\.py)(/.*)$;
                cgi_param APP demo; cgi_timeout 10s;
            }
            location /up/ { upload_store uploads; }
        }""")
    server = cfg.servers[0]
    cgi, up = server.locations
    assert (server.settings.session, server.settings.session_name, server.settings.session_timeout) == (True, "SID", 3600)
    assert cgi.cgi_pass == "/usr/bin/python3" and cgi.settings.cgi_timeout == 10
    assert cgi.settings.allow_methods == {"GET", "HEAD", "POST"}
    assert cgi.settings.cgi_split_path_info.match("/a/b.py/x/y").groups() == ("/a/b.py", "/x/y")
    assert up.settings.upload_store.endswith("/uploads")
    assert [w.message for w in cfg.warnings] == [
        f'upload_store "{up.settings.upload_store}" is not usable (2: No such file or directory)']


@pytest.mark.parametrize("text, message", [
    ("allow_methods FETCH;", 'invalid method "FETCH"'),
    ("location / { cgi_split_path_info ^(.+)$; }", 'pattern "^(.+)$" must have 2 captures'),
    ("session maybe;", 'invalid value "maybe" in "session" directive, it must be "on" or "off"'),
    ("cgi_timeout 5ms;", '"cgi_timeout" directive invalid value'),
    ("cgi_param A b c;", 'invalid parameter "c"'),
    ("location / { cgi_pass a; cgi_pass b; }", '"cgi_pass" directive is duplicate'),
    # directives nginxlite ignores are still checked as nginx checks them
    ("gzip maybe;", 'invalid value "maybe" in "gzip" directive, it must be "on" or "off"'),
    ("gzip_comp_level 0;", "value must be between 1 and 9"),
    ("gzip_hash 3k;", '"gzip_hash" directive must be 512, 1k, 2k, 4k, 8k, 16k, 32k, 64k, or 128k'),
    ("connection_pool_size 64;", "the pool size must be no less than 112"),
    ("proxy_temp_path t 1 2 3 4;", 'invalid number of arguments in "proxy_temp_path" directive'),
    ("ssl_protocols TLSv9;", 'invalid value "TLSv9"'),
    ("proxy_store_access user:rw other:r;", 'invalid value "other:r"'),
    ("auth_request_set name value;", 'invalid variable name "name"'),
    ("secure_link $nosuch;", 'unknown "nosuch" variable'),
])
def test_nginxlite_directive_errors(write, text, message):
    with pytest.raises(ConfigError) as info:
        load(write, f"server {{ listen 8080; {text} }}")
    assert info.value.message == message


@pytest.mark.parametrize("text, message", [
    ("location / { proxy_pass http://x; }", '"proxy_pass" directive is not supported by nginxlite'),
    ("if ($uri) { return 200; }", '"if" directive is not supported by nginxlite'),
    ("listen 8443 quic;", 'the "quic" parameter of the "listen" directive is not supported by nginxlite'),
    ("listen unix:/tmp/x.sock;", 'unix domain sockets in "listen" are not supported by nginxlite'),
    ("proxy_pass http://x;", '"proxy_pass" directive is not allowed here'),  # context checked first
    ("location / { more_set_headers 'X: y'; }", '"more_set_headers" directive is not supported by nginxlite'),
    ("location / { echo hello world; }", '"echo" directive is not supported by nginxlite'),
    ("location / { content_by_lua_block { ngx.say(1); } }",
     '"content_by_lua_block" directive is not supported by nginxlite'),
    ("content_by_lua_file x.lua;", '"content_by_lua_file" directive is not allowed here'),  # location only
    ("keepalive 16;", '"keepalive" directive is not allowed here'),  # upstream only
    ("proxy_responses 1;", '"proxy_responses" directive is not allowed here'),  # stream only
    ("location / { ssl_protocols TLSv1.2; }", '"ssl_protocols" directive is not allowed here'),
    ("location / { fastcgi_pass 127.0.0.1:9000; }", '"fastcgi_pass" directive is not supported by nginxlite'),
    ("location / { limit_except GET { proxy_pass http://x; } }",
     '"proxy_pass" directive is not supported by nginxlite'),  # proxy_pass is allowed in limit_except
])
def test_refused_directives(write, text, message):
    with pytest.raises(ConfigError) as info:
        load(write, f"server {{ listen 8080; {text} }}")
    assert info.value.message == message


def test_ignored_directives_warn(write):
    cfg = load(write, "worker_processes auto;\nevents { multi_accept on; }\nhttp { sendfile on; }\n")
    assert [w.message for w in cfg.warnings] == [
        '"worker_processes" directive is ignored by nginxlite', '"multi_accept" directive is ignored by nginxlite',
        '"sendfile" directive is ignored by nginxlite']


def test_refused_block_contents_are_not_read(write):
    with pytest.raises(ConfigError) as info:
        load(write, "events {}\nhttp {\n  upstream b { server x:1 whatever; nonsense; }\n}\n")
    assert (info.value.message, info.value.pos.line) == ('"upstream" directive is not supported by nginxlite', 3)


@pytest.mark.parametrize("text, message", [
    ("proxy_temp_path /var/lib/nginx/proxy 1 2;", '"proxy_temp_path" directive is ignored by nginxlite'),
    ("fastcgi_buffers 8 16k;", '"fastcgi_buffers" directive is ignored by nginxlite'),
    ("map_hash_max_size 2048;", '"map_hash_max_size" directive is ignored by nginxlite'),
    ("charset_map koi8-r utf-8 { C0 D0B1; }", '"charset_map" directive is ignored by nginxlite'),
    ("max_headers 100;", '"max_headers" directive is ignored by nginxlite'),
    ("http2_idle_timeout 3m;",
     'the "http2_idle_timeout" directive is obsolete, use the "keepalive_timeout" directive instead'),
    ("send_lowat 1k;", '"send_lowat" is not supported, ignored'),
    ("keepalive_disable msie6 MSIE6;", 'duplicate value "MSIE6"'),
])
def test_ignored_http_directives(write, text, message):
    cfg = load(write, f"events {{}}\nhttp {{ {text} }}\n")
    assert message in [w.message for w in cfg.warnings]


def test_variables_set_by_ignored_directives_are_known(write):
    load(write, "events {}\nhttp { auth_request_set $user $upstream_http_x_user; log_format f $user; }\n")


@pytest.mark.parametrize("text, message", [
    ("load_module modules/ngx_mail_module.so;", 'module "{prefix}/modules/ngx_mail_module.so" is not loaded by nginxlite'),
    ("load_module /usr/lib/nginx/modules/ngx_stream_module.so;",
     'module "/usr/lib/nginx/modules/ngx_stream_module.so" is not loaded by nginxlite'),
])
def test_load_module_warns(write, tmp_path, text, message):
    cfg = load(write, f"{text}\nevents {{}}\n")
    assert [w.message for w in cfg.warnings] == [message.format(prefix=cfg.prefix)]


def test_named_captures_of_nested_regex_locations_are_variables(write):
    cfg = load(write, "server { listen 8080; location /a { location ~ ^/a/(?<rest>.+)$ { return 200 $rest; } } }")
    assert cfg.servers[0].locations[0].locations[0].regex.groupindex == {"rest": 1}


def test_max_ranges_is_unlimited_unless_set_and_inherited(write):
    cfg = load(write, """
        events {}
        http {
            server { listen 127.0.0.1:8080; location /a/ { } }
            server {
                listen 127.0.0.1:8081;
                max_ranges 2;
                location /b/ { }
                location /c/ { max_ranges 0; }
            }
        }""")
    first, second = cfg.servers
    assert first.locations[0].settings.max_ranges is None
    assert second.locations[0].settings.max_ranges == 2
    assert second.locations[1].settings.max_ranges == 0


def test_a_relative_alias_keeps_its_trailing_slash(write, tmp_path):
    cfg = load(write, "server { listen 8080; location /u/ { alias u/; } location /v { alias v; } }")
    u, v = cfg.servers[0].locations
    assert (u.settings.root, v.settings.root) == (f"{tmp_path}/u/", f"{tmp_path}/v")
