"""``python -m nginxlite`` is the ``nginxlite`` command."""

from nginxlite.cli import main

raise SystemExit(main())
