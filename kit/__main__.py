"""``python -m kit``: the instructor command line (kit/cli.py)."""
from kit.cli import main

raise SystemExit(main())
