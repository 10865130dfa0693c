"""stoprace's simulators: what happens to the lifecycle of :mod:`stoprace.model` once clocks and randomness
are added.

- :mod:`stoprace.sim.distributions`: duration distributions parsed from short specs;
- :mod:`stoprace.sim.scenario`: the race scenario, validated on construction, the default seed and price;
- :mod:`stoprace.sim.jobs`: a job's random course (queue, provisioning, training, finalization, how it ends,
  stop latency), drawn in one place for the race engines, the fleet and the Autopilot;
- :mod:`stoprace.sim.draws`: the race jobs' six event times and the tie rule, shared by both engines;
- :mod:`stoprace.sim.race`: the simpy engine (the reference: one process per job, firing the model's
  triggers);
- :mod:`stoprace.sim.vector`: the numpy engine, equal to the simpy engine job by job;
- :mod:`stoprace.sim.analytic` (with :mod:`stoprace.sim.quadrature`): the probability of every path and
  final status, ``p_race_lost`` and the expected billed seconds, by numerical integration;
- :mod:`stoprace.sim.fleet`: many jobs through a rate-limited, faulty service, with stop workers and polling
  clients (one module per part); :mod:`stoprace.sim.retry`: botocore's legacy and standard retry rules;
- :mod:`stoprace.sim.autopilot`: a model service that progresses by itself in virtual time, behind the boto3
  bridge;
- :mod:`stoprace.sim.outcome`, :mod:`stoprace.sim.stats`, :mod:`stoprace.sim.report`,
  :mod:`stoprace.sim.plots`: aggregates, Wilson intervals, the JSON/CSV report (and a race result read
  back) and the figures;
- :mod:`stoprace.sim.sweep`: grids of scenarios on processes or Dask (definition, run, table);
- :mod:`stoprace.sim.cli`: the ``stoprace`` command line, one module per command.
"""

__all__: list[str] = []
