"""Request handling: the nginx phases in miniature (``pipeline``), the one place that
turns errors into responses (``errors``), and the content handlers: ``static`` (with
``autoindex`` listings and ``ranges`` for conditional and partial requests) and ``dav``."""
