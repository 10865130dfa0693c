"""The lifecycle table and the policy rendered for people: JSON, a text table, and Markdown.

The assumptions table of the concepts page (``docs/concepts.md``) is :func:`assumptions_markdown`'s
output (a test keeps them equal); its evidence links to the facts of ``docs/evidence.md``.

>>> as_text().split()[:3]
['trigger', 'from', 'to']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .lifecycle import EDGES, Edge
from .policy import DEFAULT_POLICY, Choices, Policy, policy_fields

__all__ = ["as_json", "as_text", "assumptions_markdown"]


def _dest(edge: Edge) -> str:
    return edge.dest if edge.dest is not None else "(no change, 200)"


def as_json(policy: Choices = DEFAULT_POLICY, edges: Sequence[Edge] = EDGES) -> dict[str, Any]:
    """The edges (each with ``enabled`` under ``policy``) and the policy's fields, as plain data (the
    training table unless ``edges`` names another, with its policy)."""
    return {
        "edges": [{**edge.as_dict(), "enabled": edge.enabled(policy)} for edge in edges],
        "policy": [
            {
                "field": f.name,
                "value": getattr(policy, f.name),
                "default": f.default,
                "choices": list(f.choices),
                "question": f.question,
                "evidence": f.evidence,
            }
            for f in policy_fields(type(policy))
        ],
    }


def _table(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths[:-1]) + "  {}"
    return [fmt.format(*headers), fmt.format(*("-" * w for w in widths)), *(fmt.format(*r) for r in rows)]


def as_text(policy: Choices = DEFAULT_POLICY, edges: Sequence[Edge] = EDGES) -> str:
    """A readable table of the edges, then of the policy; edges disabled by ``policy`` are marked."""
    edge_rows = [
        (
            edge.trigger,
            ", ".join(edge.source),
            _dest(edge) + ("" if edge.enabled(policy) else "  [disabled]"),
            edge.stamp_text or "-",
            edge.actor.value,
            edge.provenance.value,
            edge.condition or "-",
            edge.evidence,
        )
        for edge in edges
    ]
    policy_rows = [
        (f.name, str(getattr(policy, f.name)), " | ".join(f.choices), f.question)
        for f in policy_fields(type(policy))
    ]
    return "\n".join(
        [
            *_table(
                ("trigger", "from", "to", "stamps", "actor", "provenance", "needs", "evidence"), edge_rows
            ),
            "",
            *_table(("policy field", "value", "choices", "question"), policy_rows),
        ]
    )


def _facts(names: Sequence[str], evidence_page: str) -> str:
    return ", ".join(f"[{name}]({evidence_page}#{name})" for name in names)


def assumptions_markdown(
    evidence_page: str = "evidence.md",
    edges: Sequence[Edge] = EDGES,
    policy_type: type[Choices] = Policy,
) -> str:
    """The assumptions table: every edge of ``edges`` (the table of the resources that train unless
    given: ``JOB_EDGES`` for the jobs that process text) with its provenance, the timestamps it sets and
    links to its facts on ``evidence_page``, then every choice of ``policy_type`` with its fact."""
    lines = [
        "| trigger | from | to | stamps | actor | provenance | needs | evidence | facts |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for edge in edges:
        stamps = (
            ", ".join([*(f"`{s}`" for s in edge.stamps), *(f"`{n}` = `{o}`" for n, o in edge.stamps_from)])
            or "-"
        )
        lines.append(
            f"| `{edge.trigger}` | {', '.join(f'`{s}`' for s in edge.source)} | "
            f"{f'`{edge.dest}`' if edge.dest else 'no change (200)'} | {stamps} | {edge.actor.value} | "
            f"{edge.provenance.value} | {edge.condition or '-'} | {edge.evidence} | "
            f"{_facts(edge.facts, evidence_page)} |"
        )
    lines += [
        "",
        "| policy field | default | alternatives | question | evidence for the default | fact |",
        "|---|---|---|---|---|---|",
    ]
    for f in policy_fields(policy_type):
        others = ", ".join(f"`{c}`" for c in f.choices if c != f.default)
        lines.append(
            f"| `{f.name}` | `{f.default}` | {others} | {f.question} | {f.evidence} | "
            f"{_facts((f.fact,), evidence_page)} |"
        )
    return "\n".join(lines)
