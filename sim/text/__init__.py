"""The race of the jobs that process text: a stop saves documents, not hours.

A Comprehend analysis job or a Translate batch job (:mod:`stoprace.model.analysis`) waits in the queue,
then processes its documents one after another; a stop sent while it is ``IN_PROGRESS`` takes effect
after a latency, and if the job has processed its last document by then it ends ``COMPLETED`` (the stop
lost the race), else ``STOPPED`` with the documents already processed written out and billed (evidence:
``analysis-job-output``, ``analysis-pricing``).

- :mod:`.scenario`: :class:`~stoprace.sim.text.scenario.TextScenario`, one experiment.
- :mod:`.engines`: the numpy engine and the simpy engine (which fires the model's triggers), the same
  per-job outcomes from the same draws.
- :mod:`.analytic`: the same quantities by numerical integration, independent of both.
- :mod:`.report`: a row per stop time: the race, the documents and units processed and billed, what the
  stop saved.
"""
