"""Request handling: the nginx phases in miniature (``pipeline``), one place that turns
errors into responses (``errors``), and the content handlers (``static``)."""
