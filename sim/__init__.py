"""stoprace's simulators: what happens to the lifecycle of ``model`` once clocks and randomness are added.

So far: duration distributions (:mod:`sim.distributions`), the race scenario (:mod:`sim.scenario`),
Wilson intervals (:mod:`sim.stats`) and the ``stoprace`` command line (:mod:`sim.cli`). The engines
that race stops against completions are next.
"""

__all__: list[str] = []
