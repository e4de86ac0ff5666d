"""Debian 12's stock /etc/nginx goes through ``nginxlite -t`` with warnings only.

``tests/fixtures/debian12`` holds Debian's nginx.conf, mime.types, default site and
the *_params files as packaged (nginx-common 1.22.1-9), plus the modules-enabled
files its libnginx-mod-* packages install.  The copy under a temporary folder
has ``/etc/nginx/`` replaced by that folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from nginxlite.cli import main

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "debian12"


def debian_etc(tmp_path: Path) -> Path:
    etc = tmp_path / "etc-nginx"
    shutil.copytree(FIXTURE, etc)
    (etc / "conf.d").mkdir()
    conf = etc / "nginx.conf"
    conf.write_text(conf.read_text().replace("/etc/nginx/", f"{etc}/"))
    return conf


def run_t(capsys, *args: str) -> tuple[int, list[str]]:
    code = main(["-t", *args])
    return code, capsys.readouterr().err.splitlines()


def test_stock_nginx_conf_has_warnings_only(capsys, tmp_path):
    conf = debian_etc(tmp_path)
    code, lines = run_t(capsys, "-p", "/usr/share/nginx/", "-c", str(conf))
    assert code == 0, lines
    assert lines[-2:] == [f"nginxlite: the configuration file {conf} syntax is ok",
                          f"nginxlite: configuration file {conf} test is successful"]
    assert all(line.startswith("nginxlite: [warn] ") for line in lines[:-2]), lines
    mods = conf.parent / "modules-enabled"
    assert (f'nginxlite: [warn] module "/usr/share/nginx/modules/ngx_mail_module.so" is not loaded by '
            f"nginxlite in {mods}/50-mod-mail.conf:1") in lines
    for name in ("user", "worker_processes", "sendfile", "tcp_nopush", "types_hash_max_size"):
        assert any(f'"{name}" directive is ignored by nginxlite' in line for line in lines), name
    assert not any('"gzip" directive' in line for line in lines)  # served now
    for name in ("ssl_protocols", "ssl_prefer_server_ciphers"):  # TLS settings: served now, no warning
        assert not any(f'"{name}" directive' in line for line in lines), name


def test_debian_params_files_load(capsys, tmp_path):
    """fastcgi.conf, proxy_params, scgi_params, uwsgi_params: every line known and ignored."""
    conf = debian_etc(tmp_path)
    site = conf.parent / "sites-enabled" / "params"
    site.write_text("server {\n    listen 127.0.0.1:31299;\n    location /a { include fastcgi.conf; }\n"
                    "    location /b { include proxy_params; }\n    location /c { include scgi_params; }\n"
                    "    location /d { include uwsgi_params; }\n}\n")
    code, lines = run_t(capsys, "-p", "/usr/share/nginx/", "-c", str(conf))
    assert code == 0, lines
    assert any('"fastcgi_param" directive is ignored' in line for line in lines)
    assert any('"proxy_set_header" directive is ignored' in line for line in lines)


def test_load_module_after_events_is_too_late(capsys, write):
    path = write("late.conf", "events {}\nload_module modules/x.so;\n")
    code, lines = run_t(capsys, "-c", path)
    assert code == 1
    assert lines[0] == f'nginxlite: [emerg] "load_module" directive is specified too late in {path}:2'
