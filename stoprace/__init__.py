"""stoprace: a formal model and simulator of the race between a stop request and the end of training in
Amazon Comprehend (``STOP_REQUESTED -> TRAINED``).

- :mod:`stoprace.model`: what the service is allowed to do (the lifecycle as a table of edges, a service
  shaped like ``boto3.client("comprehend")``, the exhaustive checker, diagrams, hypothesis strategies);
- :mod:`stoprace.sim`: what happens once clocks and randomness are added (race engines, fleets, audits
  of waiting code, fits of an account's history, sweeps, the ``stoprace`` command).

The two stay separate packages because the dependency points one way: ``stoprace.sim`` imports
``stoprace.model``, never the reverse, and the model draws no random numbers.

>>> from importlib.metadata import version
>>> import stoprace
>>> stoprace.__version__ == version("stoprace")
True
"""

from importlib.metadata import version

__version__: str = version("stoprace")
__all__ = ["__version__"]
