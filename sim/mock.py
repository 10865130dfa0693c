"""``mock_comprehend``: every Comprehend client created in a block is answered by the model, in virtual
time, the way moto's ``mock_aws`` answers AWS calls.

Code under test usually builds its own clients (an orchestrator's hook creates one inside its operator),
so handing :func:`stoprace.model.bridge.attach` a client is not enough. Under :func:`mock_comprehend`, every
``create_client("comprehend", ...)`` of a botocore or boto3 session, and of an aiobotocore session, gets
a client attached to the model's service for its account and region (one service each, created on
first use), driven by a race scenario's :class:`~stoprace.sim.autopilot.Autopilot` on one shared
virtual clock. Other services' clients are left alone, so it composes with moto's ``mock_aws`` (apply
both; the model answers Comprehend, moto the rest).

One object, three uses::

    @mock_comprehend()                       # a decorator (functions, coroutines, test classes)
    def test_pipeline(): ...

    with mock_comprehend(RaceScenario(stop_latency="fixed:120")) as comprehend:   # a context manager
        run_my_pipeline()
        comprehend.service().status(arn)

    def test_with_fixture(stoprace_comprehend): ...   # a pytest fixture (the stoprace plugin)

The arguments of :func:`mock_comprehend`:

- ``scenario``: the race scenario that drives every service (default: ``RaceScenario()``, the project's
  defaults); ``None`` for services that move only when fired by hand.
- ``account_id``: the account the clients are in (moto's default, ``123456789012``).
- ``virtual_time``: run the whole process on the shared clock while active (default True; see
  :mod:`stoprace.model.virtual`).
- ``seed``: the scenario's seed unless given; each service gets its own stream.
- ``text``: the :class:`~stoprace.sim.text.scenario.TextScenario` that drives the jobs that process text
  (the seven analysis jobs, and Translate's batch jobs), its defaults unless given.
- ``service_options``: passed to every :class:`~stoprace.model.ComprehendService` (``policy``,
  ``job_policy``, ``http_statuses``, ``max_active_jobs``...), and, all but the quota, to every
  :class:`~stoprace.model.service.TranslateService`.

Translate clients are answered too, under this same entry point (``mock.translate(region)`` is the model
behind them): a pipeline that analyses and translates runs on one clock, driven by one scenario.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from stoprace.model import ComprehendService, ManualClock
from stoprace.model.bridge import AWS_INSTALL_HINT, Bridge
from stoprace.model.bridge import attach as attach_bridge
from stoprace.model.service import DEFAULT_ACCOUNT, TranslateService
from stoprace.model.virtual import virtual_time as process_virtual_time

from .autopilot import Autopilot
from .scenario import RaceScenario
from .text.scenario import TextScenario

__all__ = ["MockComprehend", "mock_comprehend"]

F = TypeVar("F")
_DEFAULT = object()


def mock_comprehend(
    scenario: Any = _DEFAULT,
    *,
    account_id: str = DEFAULT_ACCOUNT,
    virtual_time: bool = True,
    seed: int | None = None,
    text: TextScenario | None = None,
    **service_options: Any,
) -> Any:
    """A :class:`MockComprehend` with these settings (see the module's documentation). Like moto's
    ``mock_aws`` it also decorates bare: ``@mock_comprehend`` is ``@mock_comprehend()``."""
    if callable(scenario) and not isinstance(scenario, RaceScenario):
        return MockComprehend()(scenario)
    return MockComprehend(
        scenario, account_id=account_id, virtual_time=virtual_time, seed=seed, text=text, **service_options
    )


class MockComprehend:
    """Every Comprehend client created while active is answered by the model (see the module)."""

    def __init__(
        self,
        scenario: RaceScenario | object | None = _DEFAULT,
        *,
        account_id: str = DEFAULT_ACCOUNT,
        virtual_time: bool = True,
        seed: int | None = None,
        text: TextScenario | None = None,
        **service_options: Any,
    ) -> None:
        if text is not None and not isinstance(text, TextScenario):
            raise TypeError(
                f"text must be a stoprace.sim.text.scenario.TextScenario, not {type(text).__name__}"
            )
        self.text = text
        if scenario is _DEFAULT:
            scenario = RaceScenario()
        if scenario is not None and not isinstance(scenario, RaceScenario):
            raise TypeError(
                "scenario must be a stoprace.sim.scenario.RaceScenario or None, "
                f"not {type(scenario).__name__}"
            )
        self.scenario: RaceScenario | None = scenario
        self.account_id = account_id
        self.use_virtual_time = bool(virtual_time)
        self.seed = seed
        self.service_options = service_options
        ComprehendService(account_id=account_id, **service_options)  # bad options fail here, not later
        self.clock = ManualClock()
        self.services: dict[tuple[str, str], ComprehendService] = {}
        #: Translate's services, by account and region (made when a Translate client is).
        self.translators: dict[tuple[str, str], TranslateService] = {}
        self.bridges: list[Bridge] = []
        self._stack: contextlib.ExitStack | None = None

    # -- the model behind the clients -------------------------------------------------------------

    def service(
        self, region: str | None = None, account_id: str | None = None, *, create: bool = False
    ) -> ComprehendService:
        """The model service of ``account_id`` (the mock's) and ``region``. Without ``region``: the one
        region the account's clients have used, ``us-east-1`` when none has; several used is an error
        that names them. A region's service is made on first use while the account has none (so a test
        can reach it before its clients do); once it has some, a region none of its clients used is a
        ``LookupError`` naming the regions it has (a mistyped region would otherwise answer with an empty
        account), unless ``create=True`` asks for a new one."""
        account = account_id or self.account_id
        used = sorted(r for a, r in self.services if a == account)
        if region is None:
            if len(used) > 1:
                raise ValueError(
                    f"the clients used several regions ({', '.join(used)}); name one: service(region)"
                )
            region = used[0] if used else "us-east-1"
        key = (account, region)
        if key not in self.services and used and not create:
            raise LookupError(
                f"account {account} has no service in {region!r}: its clients used {', '.join(used)}; "
                "service(region, create=True) makes one for clients yet to come"
            )
        if key not in self.services:
            service = ComprehendService(
                clock=self.clock, account_id=key[0], region=region, **self.service_options
            )
            if self.scenario is not None:
                seed = (self.seed if self.seed is not None else self.scenario.seed) + len(self.services)
                Autopilot(service, self.scenario, seed, self.text)
            self.services[key] = service
        return self.services[key]

    def translate(self, region: str = "us-east-1", account_id: str | None = None) -> TranslateService:
        """The model's Translate service of ``account_id`` (the mock's) and ``region``, made on first use
        and driven, as Comprehend's are, by the scenario's Autopilot on the shared clock."""
        key = (account_id or self.account_id, region)
        if key not in self.translators:
            options = {k: v for k, v in self.service_options.items() if k != "max_active_jobs"}
            service = TranslateService(clock=self.clock, account_id=key[0], region=region, **options)
            if self.scenario is not None:
                seed = (
                    (self.seed if self.seed is not None else self.scenario.seed)
                    + 1000
                    + len(self.translators)
                )
                Autopilot(service, self.scenario, seed, self.text)
            self.translators[key] = service
        return self.translators[key]

    def at(self, when: float, action: Callable[[], object]) -> None:
        """Run ``action()`` when the shared virtual clock reaches ``when`` seconds."""
        self.clock.call_at(when, action)

    def attach(self, client: Any) -> Bridge:
        """Answer ``client`` (a Comprehend or Translate client made elsewhere) from the model, as if made
        here."""
        region = client.meta.region_name or "us-east-1"
        if client.meta.service_model.service_name == "translate":
            service: Any = self.translate(region)
        else:
            service = self.service(region, create=True)
        bridge = attach_bridge(client, service, before_request=self.clock.run_due)
        self.bridges.append(bridge)
        return bridge

    # -- start and stop ---------------------------------------------------------------------------

    def start(self) -> MockComprehend:
        """Begin: patch client creation (and the process's clocks). Prefer ``with`` or the decorator."""
        if self._stack is not None:
            raise RuntimeError("this mock_comprehend is already active")
        stack = contextlib.ExitStack()
        try:
            stack.enter_context(self._patch_botocore())
            stack.enter_context(self._patch_aiobotocore())
            if self.use_virtual_time:
                stack.enter_context(process_virtual_time(self.clock))
        except BaseException:
            stack.close()
            raise
        self._stack = stack
        return self

    def stop(self) -> None:
        """End: restore client creation and the clocks; clients made under the mock talk to AWS again."""
        if self._stack is None:
            return
        stack, self._stack = self._stack, None
        for bridge in self.bridges:
            bridge.detach()
        self.bridges.clear()
        stack.close()

    def __enter__(self) -> MockComprehend:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def __call__(self, target: F) -> F:
        """Decorate a test function, a coroutine function or a class (its ``test*`` methods)."""
        if inspect.isclass(target):
            for name, member in list(vars(target).items()):
                if name.startswith("test") and callable(member):
                    setattr(target, name, self._fresh()(member))
            return target
        if not callable(target):
            raise TypeError(f"mock_comprehend decorates functions and classes, not {type(target).__name__}")
        if inspect.iscoroutinefunction(target):

            @functools.wraps(target)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self._fresh():
                    return await target(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(target)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return target(*args, **kwargs)

        return run  # type: ignore[return-value]

    def _fresh(self) -> MockComprehend:
        """A new mock with the same settings: each decorated call starts from an empty account."""
        return MockComprehend(
            self.scenario,
            account_id=self.account_id,
            virtual_time=self.use_virtual_time,
            seed=self.seed,
            text=self.text,
            **self.service_options,
        )

    # -- patching client creation -----------------------------------------------------------------

    @contextlib.contextmanager
    def _patch_botocore(self) -> Any:
        try:
            session_module = importlib.import_module("botocore.session")
        except ImportError:
            raise ImportError(AWS_INSTALL_HINT) from None
        original = session_module.Session.create_client
        mock = self

        @functools.wraps(original)
        def create_client(session: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
            client = original(session, service_name, *args, **kwargs)
            if service_name in _ANSWERED and not _is_aio_session(session):
                mock.attach(client)
            return client

        session_module.Session.create_client = create_client
        try:
            yield
        finally:
            session_module.Session.create_client = original

    @contextlib.contextmanager
    def _patch_aiobotocore(self) -> Any:
        try:
            session_module = importlib.import_module("aiobotocore.session")
        except ImportError:  # no aiobotocore here: nothing to patch
            yield
            return
        original = session_module.AioSession._create_client
        mock = self

        @functools.wraps(original)
        async def create_client(session: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
            client = await original(session, service_name, *args, **kwargs)
            if service_name in _ANSWERED:
                mock.attach(client)
            return client

        session_module.AioSession._create_client = create_client
        try:
            yield
        finally:
            session_module.AioSession._create_client = original


#: The services whose clients the mock answers.
_ANSWERED = ("comprehend", "translate")


def _is_aio_session(session: Any) -> bool:
    return any(c.__module__.startswith("aiobotocore") for c in type(session).__mro__)
