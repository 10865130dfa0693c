"""stoprace's simulators: what happens to the lifecycle of ``model`` once clocks and randomness are added.

- :mod:`sim.distributions`: duration distributions parsed from short specs;
- :mod:`sim.scenario`: the race scenario, validated on construction, the default seed and price;
- :mod:`sim.jobs`: a job's random course (queue, provisioning, training, finalization, how it ends,
  stop latency), drawn in one place for the race engines, the fleet and the Autopilot;
- :mod:`sim.draws`: the race jobs' six event times and the tie rule, shared by both engines;
- :mod:`sim.race`: the simpy engine (the reference: one process per job, firing the model's triggers);
- :mod:`sim.vector`: the numpy engine, equal to the simpy engine job by job;
- :mod:`sim.analytic` (with :mod:`sim.quadrature`): the probability of every path and final status,
  ``p_race_lost`` and the expected billed seconds, by numerical integration;
- :mod:`sim.fleet`: many jobs through a rate-limited, faulty service, with stop workers and polling
  clients (one module per part); :mod:`sim.retry`: botocore's legacy and standard retry rules;
- :mod:`sim.autopilot`: a model service that progresses by itself in virtual time, behind the boto3
  bridge;
- :mod:`sim.outcome`, :mod:`sim.stats`, :mod:`sim.report`, :mod:`sim.plots`: aggregates, Wilson
  intervals, the JSON/CSV report and the figures;
- :mod:`sim.sweep`: grids of scenarios on processes or Dask (definition, run, table);
- :mod:`sim.cli`: the ``stoprace`` command line, one module per command.
"""

__all__: list[str] = []
