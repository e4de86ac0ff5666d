"""The command line: nginx's flags, messages and exit codes (run in-process)."""

from __future__ import annotations

import os
import signal

import pytest

from nginxlite import __version__
from nginxlite.cli import main, parse_args, UsageError


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_test_success(capsys, write):
    path = write("ok.conf", "server { listen 8080; }\n")
    code, out, err = run(capsys, "-t", "-c", path)
    assert code == 0
    assert err == (f"nginxlite: the configuration file {path} syntax is ok\n"
                   f"nginxlite: configuration file {path} test is successful\n")
    assert out == ""  # as nginx: -t writes nothing on stdout (the prefix is in -T's dump)


def test_test_failure(capsys, write):
    path = write("bad.conf", "server {\n  listen 8080;\n  foo;\n}\n")
    code, out, err = run(capsys, "-t", "-c", path)
    assert code == 1
    assert err == (f'nginxlite: [emerg] unknown directive "foo" in {path}:3\n'
                   f"nginxlite: configuration file {path} test failed\n")


def test_quiet_keeps_warnings_and_errors(capsys, write):
    ok = write("ok.conf", "server { listen 8080; server_name a; }\nserver { listen 8080; server_name a; }\n")
    code, out, err = run(capsys, "-tq", "-c", ok)
    assert (code, err) == (0, 'nginxlite: [warn] conflicting server name "a" on 0.0.0.0:8080, ignored\n')
    empty = write("empty.conf", "")
    code, out, err = run(capsys, "-t", "-q", "-c", empty)
    assert code == 1 and "syntax is ok" not in err and '[emerg] no "events" section' in err


def test_events_check_comes_after_syntax_ok(capsys, write):
    path = write("e.conf", "http {}\n")
    code, out, err = run(capsys, "-t", "-c", path)
    assert code == 1
    assert err.splitlines() == [f"nginxlite: the configuration file {path} syntax is ok",
                                'nginxlite: [emerg] no "events" section in configuration',
                                f"nginxlite: configuration file {path} test failed"]


def test_missing_file(capsys, tmp_path):
    path = str(tmp_path / "nope.conf")
    code, out, err = run(capsys, "-t", "-c", path)
    assert code == 1
    assert err == (f'nginxlite: [emerg] open() "{path}" failed (2: No such file or directory)\n'
                   f"nginxlite: configuration file {path} test failed\n")


def test_dump_prints_every_file(capsys, write):
    write("inc.conf", "server { listen 8081; }\n")
    path = write("main.conf", "events {}\nhttp { include inc.conf; }\n")
    code, out, err = run(capsys, "-T", "-c", path)
    assert code == 0
    assert f"# configuration file {path}:\nevents {{}}\n" in out
    assert "inc.conf:\nserver { listen 8081; }\n" in out


def test_prefix_and_default_config(capsys, tmp_path, write, monkeypatch):
    write("sites/default.conf", "server { listen 8080; root html; }\n")
    code, out, err = run(capsys, "-t", "-p", str(tmp_path))
    assert code == 0 and os.path.join(str(tmp_path), "sites", "default.conf") in err
    code, out, err = run(capsys, "-T", "-p", str(tmp_path))
    assert code == 0 and out.startswith(f"# prefix: {tmp_path}\n# configuration file ")
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "-t")
    assert code == 0 and "sites/default.conf syntax is ok" in err


def test_global_directives(capsys, write):
    path = write("g.conf", "events {}\nhttp {}\n")
    code, out, err = run(capsys, "-t", "-c", path, "-g", "bogus;")
    assert code == 1 and 'unknown directive "bogus" in command line' in err


def test_version_and_help(capsys):
    code, out, err = run(capsys, "-v")
    assert (code, err) == (0, f"nginxlite version: nginxlite/{__version__}\n")
    code, out, err = run(capsys, "-V")
    assert code == 0 and "built with Python" in err
    code, out, err = run(capsys, "-h")
    assert code == 0 and "-t            : test configuration and exit" in err
    assert "-v,--version  : show version and exit" in err
    assert run(capsys, "--version")[:3] == (0, "", f"nginxlite version: nginxlite/{__version__}\n")


def test_directive_listing(capsys):
    code, out, err = run(capsys, "--directives")
    assert code == 0 and "client_max_body_size" in out and "proxy_pass" in out


@pytest.mark.parametrize("args, message", [
    (["-x"], 'nginxlite: invalid option: "x"\n'),
    (["-c"], 'nginxlite: option "-c" requires file name\n'),
    (["-p"], 'nginxlite: option "-p" requires directory name\n'),
    (["-s", "bogus"], 'nginxlite: invalid option: "-s bogus"\n'),
    (["stray"], 'nginxlite: invalid option: "stray"\n'),
])
def test_usage_errors_are_one_line(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert (code, err) == (1, message)


def test_glued_values_and_bundled_flags():
    opts = parse_args(["-tqcfile.conf", "-p/x"])
    assert (opts.test, opts.quiet, opts.conf, opts.prefix) == (True, True, "file.conf", "/x")
    with pytest.raises(UsageError):
        parse_args(["-g"])


def test_signal_without_pid_file(capsys, write, tmp_path):
    path = write("s.conf", "pid run/none.pid;\nevents {}\nhttp {}\n")
    code, out, err = run(capsys, "-s", "reload", "-c", path, "-p", str(tmp_path))
    pid_file = tmp_path / "run" / "none.pid"
    assert (code, err) == (1, f'nginxlite: [error] open() "{pid_file}" failed (2: No such file or directory)\n')


def test_signal_is_sent_to_the_pid_in_the_pid_file(capsys, write, tmp_path, monkeypatch):
    write("run/x.pid", "4242\n")
    path = write("s.conf", "pid run/x.pid;\nevents {}\nhttp {}\n")
    sent = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: sent.append((pid, sig)))
    code, out, err = run(capsys, "-s", "quit", "-c", path, "-p", str(tmp_path))
    assert (code, sent) == (0, [(4242, signal.SIGQUIT)])
    write("run/x.pid", "garbage\n")
    code, out, err = run(capsys, "-s", "stop", "-c", path, "-p", str(tmp_path))
    assert code == 1 and 'invalid PID number "garbage"' in err


def test_port_option_and_environment_variable():
    assert parse_args(["--port", "9090"], environ={}).port == 9090
    assert parse_args(["--port=9091", "-t"], environ={}).port == 9091
    assert parse_args([], environ={"NGINXLITE_PORT": "9092"}).port == 9092
    assert parse_args(["--port", "9093"], environ={"NGINXLITE_PORT": "9092"}).port == 9093  # the flag wins
    assert parse_args([], environ={"NGINXLITE_PORT": ""}).port is None
    with pytest.raises(UsageError, match='option "--port" requires a port number'):
        parse_args(["--port"], environ={})


def test_port_moves_listens_at_load(write):
    from nginxlite.config import load_config
    conf = write("a.conf", "server { listen 8080 default_server; } server { listen [::1]:8081; } server { }")
    config = load_config(conf, port=9000)
    assert sorted(a.port for a in config.addresses) == sorted([1000 if os.geteuid() == 0 else 8920, 9000, 9001])
