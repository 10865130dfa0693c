"""State diagrams of the lifecycle, drawn by ``transitions``' ``GraphMachine`` from the edge table.

A :class:`Diagram` shows the 8 statuses and every edge a policy enables (accepted no-ops as self-loops
marked ``[internal]``), in four formats:

- ``mermaid``: ``stateDiagram-v2`` text (no binary needed);
- ``dot``: Graphviz DOT text (no binary needed);
- ``svg`` and ``png``: drawn by Graphviz's ``dot`` program, which must be installed.

How an edge is known shows in its line: documented solid, inferred dashed, assumed dotted (Mermaid
ignores line styles, so there the label says ``(inferred)`` or ``(assumed)``). API calls are blue and
written as calls (``stop()``); the service's own progress is black. The race edges (a stopped job whose
training completes anyway) are red and thick, finished statuses have a double border (``[*]`` in
Mermaid), and a deleted job's pseudo-state is drawn dashed. The engine is always named explicitly:
``transitions`` would silently fall back to Mermaid if the ``graphviz`` package were missing, so a
fallback is refused with an error instead.

>>> text = Diagram().mermaid()
>>> text.splitlines()[3]
'stateDiagram-v2'
>>> "STOP_REQUESTED --> TRAINED: finish_training [if billing began] RACE LOST" in text
True
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .errors import ModelError
from .family import family_of
from .kinds import CLASSIFIER
from .lifecycle import EDGES, GUARDS, RACE_LOST_STEPS, Actor, Edge, Provenance, enabled_edges
from .policy import DEFAULT_POLICY, Choices

__all__ = ["FORMATS", "Diagram", "DiagramError", "format_of"]

#: Output formats: text ones need nothing installed; images need Graphviz's ``dot`` program.
FORMATS = ("mermaid", "dot", "svg", "png")

GRAPHVIZ_INSTALL_HINT = (
    "SVG and PNG need Graphviz's `dot` program: install it with `apt-get install graphviz` (Debian, "
    "Ubuntu) or `brew install graphviz` (macOS); --format mermaid and --format dot work without it"
)

_LINE = {Provenance.DOCUMENTED: "solid", Provenance.INFERRED: "dashed", Provenance.ASSUMED: "dotted"}
_COLOUR = {Actor.API: "#1f5fbf", Actor.SERVICE: "black"}
_RACE_COLOUR = "#d62728"


class DiagramError(ModelError):
    """A diagram cannot be drawn as asked (for example, no ``dot`` program for SVG or PNG)."""


def _label(edge: Edge, stamps: bool = False) -> str:
    """An edge as an arrow's text: ``trigger [guard] / stamps`` (API calls written as calls)."""
    label = f"{edge.trigger}()" if edge.actor is Actor.API else edge.trigger
    if edge.guard:
        label += f" [{GUARDS[edge.guard].label}]"
    if stamps and edge.stamp_text:
        label += f" / {edge.stamp_text}"
    return label


@dataclass(frozen=True)
class _Arrow:
    """The edges between one source and one destination, drawn as one arrow."""

    source: str
    dest: str
    edges: tuple[Edge, ...]
    race_lost: frozenset[tuple[str, str]] = RACE_LOST_STEPS

    @property
    def provenance(self) -> Provenance:
        return Provenance.weakest(*(e.provenance for e in self.edges))

    @property
    def actor(self) -> Actor:
        return self.edges[0].actor

    @property
    def race(self) -> bool:
        return (self.source, self.dest) in self.race_lost

    @property
    def style(self) -> str:
        """The name of this arrow's style in the GraphMachine's ``style_attributes``."""
        return f"{'race' if self.race else self.actor.value}_{self.provenance.value}"


@dataclass(frozen=True)
class Diagram:
    """The lifecycle diagram under ``policy``; ``annotations`` adds text to arrows, keyed by
    ``(source, dest)`` (the simulator's :func:`stoprace.sim.report.annotations_from_race` makes them from
    a race result); ``stamps`` writes the timestamps each step sets after its trigger
    (``start_training / TrainingStartTime``); ``resource`` names the kind (a classifier by default: the
    kinds share the lifecycle, so only the title and the create differ)."""

    policy: Choices = DEFAULT_POLICY
    annotations: Mapping[tuple[str, str], str] = field(default_factory=dict)
    edges: tuple[Edge, ...] = EDGES
    title: str = ""  # by default: Amazon Comprehend RESOURCE: training job lifecycle
    stamps: bool = False
    resource: str = CLASSIFIER.name  # whose create starts the diagram, and its title
    _family: Any = field(init=False, repr=False, compare=False, default=None)
    _kind: Any = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        family, kind = family_of(self.resource)  # a ValueError names the kinds there are
        object.__setattr__(self, "_family", family)
        object.__setattr__(self, "_kind", kind)
        if family.name != "training":  # the family's own table and policy, unless given
            if self.edges is EDGES:
                object.__setattr__(self, "edges", family.edges_of(kind))
            if self.policy is DEFAULT_POLICY:
                object.__setattr__(self, "policy", family.default_policy)
        if not isinstance(self.policy, family.policy_type):
            raise TypeError(f"a {self.resource}'s policy is a {family.policy_type.__name__}")
        if not self.title:
            object.__setattr__(self, "title", family.title(kind))

    def arrows(self) -> list[_Arrow]:
        """Every arrow drawn: the enabled edges grouped by (source, destination); a no-op is a loop."""
        grouped: dict[tuple[str, str], list[Edge]] = defaultdict(list)
        for edge in enabled_edges(self.policy, self.edges):
            for source in edge.source:
                grouped[(source, edge.dest or source)].append(edge)
        lost = self._family.race_lost
        return [_Arrow(s, d, tuple(es), lost) for (s, d), es in grouped.items()]

    # -- text formats ------------------------------------------------------------------------------

    def mermaid(self) -> str:
        """``stateDiagram-v2`` text."""
        text = self._machine("mermaid").get_graph().source.rstrip("\n")
        family = self._family
        finals = [f"  {s} --> [*]" for s in family.states_of(self._kind) if s in family.finished]
        gone = [f"  {family.deleted} --> [*]"] if family.deleted else []
        return "\n".join([text, *finals, *gone]) + "\n"

    def dot(self) -> str:
        """Graphviz DOT text."""
        return str(self._digraph().source)

    # -- images --------------------------------------------------------------------------------------

    def svg(self) -> str:
        """SVG drawn by Graphviz's ``dot`` (``DiagramError`` if it is not installed)."""
        return self._pipe("svg").decode()

    def png(self) -> bytes:
        """PNG drawn by Graphviz's ``dot`` (``DiagramError`` if it is not installed)."""
        return self._pipe("png")

    def render(self, fmt: str) -> str | bytes:
        """The diagram in ``fmt``, one of :data:`FORMATS`."""
        if fmt not in FORMATS:
            raise DiagramError(f"unknown diagram format {fmt!r}; choose one of: {', '.join(FORMATS)}")
        renderer: Any = {"mermaid": self.mermaid, "dot": self.dot, "svg": self.svg, "png": self.png}[fmt]
        result: str | bytes = renderer()
        return result

    def save(self, path: str | Path, fmt: str | None = None) -> Path:
        """Write the diagram to ``path``, in ``fmt`` or the format its suffix names (``.mmd`` is Mermaid)."""
        path = Path(path)
        fmt = fmt or format_of(path)
        content = self.render(fmt)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:  # noqa: ARG002
        """Jupyter display: SVG where ``dot`` is installed, otherwise Mermaid as Markdown (IPython
        filters by ``include`` and ``exclude`` itself)."""
        bundle: dict[str, Any] = {"text/plain": self.mermaid()}
        if has_dot():
            bundle["image/svg+xml"] = self.svg()
        else:
            bundle["text/markdown"] = f"```mermaid\n{self.mermaid()}```\n"
        return bundle

    # -- through transitions -------------------------------------------------------------------------

    def _machine(self, engine: Literal["mermaid", "graphviz"]) -> Any:
        from transitions.extensions import GraphMachine  # noqa: PLC0415 - only diagrams need it

        arrows = self.arrows()
        transitions = []
        for arrow in arrows:
            # In Graphviz, one line per edge: side by side, the loops' labels overlapped each other.
            joiner = "\n" if engine == "graphviz" else " | "
            no_op = all(e.dest is None for e in arrow.edges)  # accepted, nothing changes: internal
            label = joiner.join(
                dict.fromkeys(
                    # a no-op drawn on the loop of a step that keeps the status says so itself
                    _label(e, self.stamps) + (" [internal]" if e.dest is None and not no_op else "")
                    for e in arrow.edges
                )
            )
            if engine == "mermaid" and arrow.provenance is not Provenance.DOCUMENTED:
                label += f" ({arrow.provenance.value})"
            if engine == "mermaid" and arrow.race:
                label += " RACE LOST"
            note = self.annotations.get((arrow.source, arrow.dest))
            if note:
                label += f" - {note}"
            transitions.append(
                {
                    "trigger": arrow.edges[0].trigger,
                    "source": arrow.source,
                    "dest": None if no_op else arrow.dest,
                    "label": label,
                }
            )
        machine = GraphMachine(
            states=list(self._family.states_of(self._kind)),
            initial=self._family.initial,
            transitions=transitions,
            auto_transitions=False,
            title=self.title,
            graph_engine=engine,
            show_conditions=False,
        )
        expected = {"mermaid": "diagrams_mermaid", "graphviz": "diagrams_graphviz"}[engine]
        if not machine.graph_cls.__module__.endswith(expected):
            raise DiagramError(
                f"transitions fell back from the {engine} engine to {machine.graph_cls.__module__}; "
                "install the Python package `graphviz` (pip install graphviz)"
            )
        machine.style_attributes = _styles(machine.style_attributes)
        graph: Any = machine.model_graphs[id(machine)]
        graph.reset_styling()  # no "active" state: a diagram shows the table, not one job
        for arrow in arrows:
            # Statuses with labelled loops: other edges leave from the right (from the top, they crossed it).
            looped = arrow.source in (self._family.working, self._family.stop_request[1])
            east = "_east" if arrow.source != arrow.dest and looped else ""
            graph.custom_styles["edge"][arrow.source][arrow.dest] = arrow.style + east
        for status in self._family.states_of(self._kind):
            if status in self._family.finished:
                graph.set_node_style(status, "final")
        if self._family.deleted:
            graph.set_node_style(self._family.deleted, "gone")
        return machine

    def _digraph(self) -> Any:
        try:
            graph = self._machine("graphviz").get_graph()
        except ImportError as err:  # pragma: no cover - graphviz is a dependency
            raise DiagramError(f"DOT needs the Python package `graphviz`: {err}") from None
        # Room between the ranks (left to right) for the labels of the loops and of the race's edges.
        graph.graph_attr.update(ranksep="0.9", nodesep="0.5")
        graph.node("start", label="", shape="point", width="0.15")
        graph.edge(
            "start",
            self._family.initial,
            label=f"{self._kind.method('create')}()",
            color=_COLOUR[Actor.API],
            fontcolor=_COLOUR[Actor.API],
        )
        with graph.subgraph(name="cluster_legend") as legend:
            legend.attr(label="legend", fontsize="10", color="gray", style="rounded")
            legend.node(
                "legend",
                shape="plaintext",
                fontsize="10",
                label=_LEGEND.replace("trained after a stop", self._family.lost_means)
                + (_STAMPS_LEGEND if self.stamps else ""),
            )
        return graph

    def _pipe(self, fmt: str) -> bytes:
        if not has_dot():
            raise DiagramError(GRAPHVIZ_INSTALL_HINT)
        data: bytes = self._digraph().pipe(format=fmt)
        return data


_LEGEND = (
    "solid: documented by AWS\\l"
    "dashed: inferred from real integrations\\l"
    "dotted: assumed by the model\\l"
    "blue, name(): an API call\\l"
    "black: the service's own progress\\l"
    "red: the race is lost (trained after a stop)\\l"
    "double border: finished status\\l"
    "[internal]: accepted, nothing changes\\l"
)
_STAMPS_LEGEND = "[if ...]: what else must hold of the job\\l/ ...: the timestamps the step sets\\l"


def _styles(base: Mapping[str, Any]) -> dict[str, Any]:
    styles = {kind: dict(values) for kind, values in base.items()}
    styles["node"] = {
        **styles["node"],
        "final": {"peripheries": "2", "fillcolor": "#f2f2f2", "color": "black"},
        "gone": {"style": "dashed,rounded", "fillcolor": "white", "color": "gray"},
    }
    edge_styles = dict(styles["edge"])
    for provenance, line in _LINE.items():
        for actor, colour in _COLOUR.items():
            edge_styles[f"{actor.value}_{provenance.value}"] = {
                "style": line,
                "color": colour,
                "fontcolor": colour,
            }
        edge_styles[f"race_{provenance.value}"] = {
            "style": line,
            "color": _RACE_COLOUR,
            "fontcolor": _RACE_COLOUR,
            "penwidth": "3",
        }
    # Edges that leave a status with a loop leave from its right, clear of the loop's label above it.
    for name, values in list(edge_styles.items()):
        edge_styles[f"{name}_east"] = {**values, "tailport": "e"}
    styles["edge"] = edge_styles
    return styles


def format_of(path: Path) -> str:
    """The format a file's suffix names (``.mmd`` and ``.md`` are Mermaid, ``.gv`` is DOT)."""
    suffix = path.suffix.lower().lstrip(".")
    fmt = {"mmd": "mermaid", "md": "mermaid", "gv": "dot"}.get(suffix, suffix)
    if fmt not in FORMATS:
        raise DiagramError(
            f"cannot tell the format from {path.name!r}; name it .mmd, .dot, .svg or .png, or give the format"
        )
    return fmt


def has_dot() -> bool:
    """Whether Graphviz's ``dot`` program is on the PATH."""
    return shutil.which("dot") is not None
