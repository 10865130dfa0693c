"""Running SPIN on the lifecycle's Promela model (:mod:`stoprace.model.promela`): compile the verifier,
check each safety property for a shortest counterexample and the liveness property for acceptance cycles
under weak fairness, and read a counterexample trail back as the table's triggers, so that
:func:`stoprace.model.check.replay` can take it through the model (after the first ``create``, which a
trail leaves out).

Needs SPIN (Debian: ``apt-get install spin``) and a C compiler; :func:`missing` says which is absent.
:func:`disagreements` compares SPIN's verdicts with the in-house checker's, property by property.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from stoprace.model import DEFAULT_POLICY, EDGES, Edge, Policy
from stoprace.model.kinds import CLASSIFIER
from stoprace.model.policy import Choices
from stoprace.model.promela import promela, properties
from stoprace.model.promela_properties import LIVENESS, SAME_AS, STRONGER

__all__ = [
    "PropertyResult",
    "SpinResult",
    "covering_policies",
    "disagreements",
    "missing",
    "verify",
]

#: The verifier's deepest search (``-m``; a bound on its memory, far above the model's depth).
MAX_DEPTH = 100_000
_ROW = re.compile(r"/\* row \d+: (\w+) ")
_STEP = re.compile(r"proc\s+\d+ \((service|client):\d+\) \S+?:(\d+) ")


@dataclass(frozen=True, slots=True)
class PropertyResult:
    """One property's verdict: whether it holds, the states SPIN stored, the seconds it took, and for a
    violation the counterexample as the table's triggers (``create`` for a new classifier)."""

    name: str
    holds: bool
    states: int
    seconds: float
    trail: tuple[str, ...] = ()
    output: str = ""


@dataclass(slots=True)
class SpinResult:
    """SPIN's verdicts on one policy and scenario, for one kind of resource."""

    policy: Choices
    scenario: str
    kind: str = CLASSIFIER.name
    properties: list[PropertyResult] = field(default_factory=list)
    #: Seconds in all: generating, compiling and every verifier run.
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(p.holds for p in self.properties)

    def as_dict(self) -> dict[str, object]:
        return {
            "policy": self.policy.changes(),
            "kind": self.kind,
            "scenario": self.scenario,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "properties": [
                {
                    "name": p.name,
                    "holds": p.holds,
                    "states": p.states,
                    "seconds": round(p.seconds, 3),
                    "trail": list(p.trail),
                }
                for p in self.properties
            ],
        }


def missing() -> str | None:
    """Why SPIN cannot run here (no ``spin``, no C compiler), or None."""
    if shutil.which("spin") is None:
        return "SPIN is not installed (Debian: apt-get install spin)"
    if _compiler() is None:
        return "no C compiler (cc or gcc) to build SPIN's verifier"
    return None


def _compiler() -> str | None:
    return shutil.which("cc") or shutil.which("gcc")


def verify(
    policy: Choices = DEFAULT_POLICY,
    edges: Iterable[Edge] = EDGES,
    scenario: str = "one_job",
    source: str | None = None,
    kind: str = CLASSIFIER.name,
    *,
    formulas: Mapping[str, str] | None = None,
) -> SpinResult:
    """Generate the model of a resource of ``kind`` (or take ``source``, a model in the same form), build
    SPIN's verifier and check every property of ``scenario`` under ``policy`` (``RuntimeError`` when SPIN
    itself fails). ``formulas`` names the properties a given ``source`` holds, when they are not the
    training family's (a text job's model: :mod:`stoprace.model.promela_text`)."""
    reason = missing()
    if reason is not None:
        raise RuntimeError(reason)
    begun = time.perf_counter()
    if (source is None or formulas is None) and not isinstance(policy, Policy):
        raise TypeError("a model other than the training family's comes with its source and formulas")
    if source is None:
        assert isinstance(policy, Policy)
        source = promela(policy, edges, scenario, kind)
    if formulas is None:
        assert isinstance(policy, Policy)
        formulas = properties(scenario, policy)
    result = SpinResult(policy, scenario, kind)
    with tempfile.TemporaryDirectory(prefix="stoprace-spin-") as folder:
        work = Path(folder)
        (work / "model.pml").write_text(source)
        _run(["spin", "-a", "model.pml"], work)
        # REACH, with -i: a safety violation's trail is a shortest one, as the in-house checker's. The
        # model is small: compiling it takes longer than checking it, so no optimisation.
        _run([str(_compiler()), "-O0", "-w", "-DREACH", "-o", "pan", "pan.c"], work)
        for name in formulas:
            started = time.perf_counter()
            # liveness: acceptance cycles under weak fairness; safety: a shortest counterexample
            mode = ["-a", "-f"] if name in LIVENESS else ["-i"]
            output = _run(["./pan", *mode, "-w18", "-m" + str(MAX_DEPTH), "-N", name], work, check=False)
            seconds = time.perf_counter() - started
            errors = re.search(r"errors: (\d+)", output)
            stored = re.search(r"(\d+) states, stored", output)
            if errors is None or stored is None:
                raise RuntimeError(f"SPIN's verifier gave no verdict for {name}:\n{output[-2000:]}")
            trail: tuple[str, ...] = ()
            if int(errors.group(1)):
                # The trail names the claim it violated: no -N here (spin's -N reads a claim file).
                replayed = _run(["spin", "-t", "-p", "model.pml"], work, check=False)
                trail = _triggers(replayed, source)
                (work / "model.pml.trail").unlink(missing_ok=True)
            result.properties.append(
                PropertyResult(name, not int(errors.group(1)), int(stored.group(1)), seconds, trail, output)
            )
    result.seconds = time.perf_counter() - begun
    return result


def _run(command: list[str], work: Path, check: bool = True) -> str:
    done = subprocess.run(
        command, cwd=work, capture_output=True, text=True, timeout=600, check=False, stdin=subprocess.DEVNULL
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout + done.stderr


def _triggers(replay: str, source: str) -> tuple[str, ...]:
    """The table's triggers a replayed trail took, in order, from the row comments of the lines it
    executed (``create`` for a new classifier under the same name)."""
    lines = source.splitlines()
    found: list[str] = []
    last = None
    for match in _STEP.finditer(replay):
        number = int(match.group(2))
        if number == last:
            continue
        last = number
        text = lines[number - 1] if 0 < number <= len(lines) else ""
        row = _ROW.search(text)
        if row is not None:
            found.append(row.group(1))
        elif "creates++" in text:
            found.append("create")
    return tuple(found)


def covering_policies(base: Policy = DEFAULT_POLICY, free: Iterable[str] | None = None) -> list[Policy]:
    """``base``, and ``base`` with each other choice of each ``free`` field (all fields when None):
    every alternative of every field at least once."""
    from stoprace.model import policy_fields  # noqa: PLC0415

    names = set(free) if free is not None else None
    found = [base]
    for spec in policy_fields():
        if names is not None and spec.name not in names:
            continue
        for choice in spec.choices:
            if choice != getattr(base, spec.name):
                found.append(dataclasses.replace(base, **{spec.name: choice}))
    return found


def disagreements(result: SpinResult, found: Iterable[str]) -> list[str]:
    """Where SPIN's verdicts on ``result``'s policy and scenario differ from the in-house checker's, which
    ``found`` the properties named (its violations' ``property``): one line per property the two judge
    differently. A property only the in-house checker states (see :mod:`stoprace.model.promela_properties`) is
    not compared. ``finishes`` asks more than the in-house checker's "no trap states": it also fails on
    a cycle the job can take forever (a livelock), so SPIN failing it alone is not a disagreement."""
    ours = set(found)
    lines = []
    for verdict in result.properties:
        statements = SAME_AS[verdict.name]
        in_house = [s for s in statements if s in ours]
        if verdict.name in STRONGER and not verdict.holds and not in_house:
            continue  # a livelock: SPIN's property asks more than the in-house checker's
        if verdict.holds == bool(in_house):
            lines.append(
                f"{verdict.name}: SPIN {'holds' if verdict.holds else 'fails'}, the in-house "
                f"checker {'finds ' + '; '.join(in_house) if in_house else 'finds nothing'}"
            )
    return lines
