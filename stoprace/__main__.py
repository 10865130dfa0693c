"""``python -m stoprace``: the same as the ``stoprace`` command."""

from stoprace.sim.cli import main

raise SystemExit(main())
