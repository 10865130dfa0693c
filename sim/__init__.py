"""stoprace's simulators: what happens to the lifecycle of ``model`` once clocks and randomness are added.

So far: duration distributions (:mod:`sim.distributions`), the race scenario (:mod:`sim.scenario`),
the jobs' random inputs shared by both engines (:mod:`sim.draws`), the simpy race engine
(:mod:`sim.race`, the reference), the numpy engine proven equal to it (:mod:`sim.vector`), per-row
aggregates (:mod:`sim.outcome`), Wilson intervals (:mod:`sim.stats`) and the ``stoprace`` command line
(:mod:`sim.cli`).
"""

__all__: list[str] = []
