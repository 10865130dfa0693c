"""stoprace's simulators: what happens to the lifecycle of ``model`` once clocks and randomness are added.

- :mod:`sim.distributions`: duration distributions parsed from short specs;
- :mod:`sim.scenario`: the race scenario, validated on construction;
- :mod:`sim.draws`: the jobs' random inputs and the tie rule, shared by both engines;
- :mod:`sim.race`: the simpy engine (the reference: one process per job, firing the model's triggers);
- :mod:`sim.vector`: the numpy engine, equal to the simpy engine job by job;
- :mod:`sim.analytic`: the probability of every path and final status, ``p_race_lost`` and the
  expected billed seconds, by numerical integration;
- :mod:`sim.fleet`: many jobs through a rate-limited, faulty service, with stop workers and polling
  clients; :mod:`sim.retry`: botocore's legacy and standard retry rules;
- :mod:`sim.outcome`, :mod:`sim.stats`, :mod:`sim.report`, :mod:`sim.plots`: aggregates, Wilson
  intervals, the JSON/CSV report and the figures;
- :mod:`sim.cli`: the ``stoprace`` command line.
"""

__all__: list[str] = []
