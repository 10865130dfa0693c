"""stoprace's simulators: what happens to the lifecycle of ``model`` once clocks and randomness are added.

For now this package holds the ``stoprace`` command line (:mod:`sim.cli`).
"""

__all__: list[str] = []
