"""The nginx configuration grammar, installed as the package ``nginxlite.grammar``.

This folder holds data only: ``nginx.lark``.  It is loaded once by
``nginxlite.config.grammar``.
"""
