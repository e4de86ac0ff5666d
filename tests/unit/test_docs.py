"""The directive reference is generated from the directive table and must be current."""

from __future__ import annotations

from pathlib import Path

from nginxlite.config.directives import DIRECTIVES, Kind
from nginxlite.config.docs import directives_markdown

DOC_FILE = Path(__file__).resolve().parents[2] / "docs" / "directives.md"

SPEC_DIRECTIVES = """events worker_connections http server listen server_name location root alias index
autoindex autoindex_format autoindex_exact_size autoindex_localtime try_files error_page return
client_max_body_size client_body_buffer_size client_header_timeout client_body_timeout send_timeout
keepalive_timeout keepalive_requests large_client_header_buffers limit_except allow deny dav_methods
create_full_put_path types default_type include merge_slashes absolute_redirect port_in_redirect
server_name_in_redirect server_tokens add_header etag access_log log_format error_log pid stub_status
allow_methods cgi_pass cgi_split_path_info cgi_param cgi_timeout upload_store session session_name
session_timeout session_store""".split()


def test_reference_is_current():
    assert DOC_FILE.read_text(encoding="utf-8") == directives_markdown(), \
        "docs/directives.md is stale: run python -m nginxlite.config.docs"


def test_every_spec_directive_is_supported_and_documented():
    for name in SPEC_DIRECTIVES:
        assert DIRECTIVES[name].kind is Kind.SUPPORTED, name
        assert DIRECTIVES[name].help, name
        assert f"`{name}`" in directives_markdown()
