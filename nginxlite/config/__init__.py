"""The configuration front end: nginx config text -> validated, resolved model.

``load_config`` is the single entry point used by the CLI, the server and tests.
Pipeline: ``lexer`` (nginx's tokenizer) -> ``grammar`` (lark, generic shape) ->
``ast`` (frozen nodes) -> ``loader`` driven by ``directives`` (the directive
table) -> ``model`` (frozen, merged).
"""

from nginxlite.config.loader import load_config

__all__ = ["load_config"]
