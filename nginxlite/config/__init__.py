"""The configuration front end: nginx config text -> validated, resolved model.

``load_config`` is the single entry point used by the CLI, the server and tests.
Pipeline: ``lexer`` (nginx's tokenizer) -> ``grammar`` (lark, generic shape) ->
``ast`` (frozen nodes) -> ``loader`` driven by ``directives`` (the directive
table) -> ``model`` (frozen, merged).  The serving process loads through
``isolated`` (a short-lived child does the parsing), so ``load_config`` is
imported on first use: importing this package must not import lark.
"""

__all__ = ["load_config"]


def __getattr__(name: str):
    if name == "load_config":
        from nginxlite.config.loader import load_config
        return load_config
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
