"""``python -m sim``: the same as the ``stoprace`` command."""

from sim.cli import main

raise SystemExit(main())
