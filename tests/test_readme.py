"""The README is the front door: its commands, examples and tables must be true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from model.tables import assumptions_markdown

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def test_quick_start_has_exactly_two_commands_each_alone_in_a_block():
    blocks = _blocks(_section("Quick start"), "bash")
    assert len(blocks) == 2
    for block in blocks:
        assert len(block.strip().splitlines()) == 1
    setup_and_run, setup_and_test = (b.strip() for b in blocks)
    assert "stoprace" in setup_and_run
    assert "pytest" in setup_and_test


def test_ci_runs_the_readmes_test_command():
    test_command = _blocks(_section("Quick start"), "bash")[1].strip()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci


@pytest.mark.parametrize("index", range(len(_blocks(README, "python"))))
def test_python_examples_run(index):
    code = _blocks(README, "python")[index]
    exec(compile(code, f"README.md python block {index}", "exec"), {"__name__": "readme_example"})


def test_assumptions_table_matches_the_edge_table():
    match = re.search(r"<!-- assumptions:start -->\n(.*?)\n<!-- assumptions:end -->", README, re.S)
    assert match, "README lost its assumptions markers"
    assert match.group(1) == assumptions_markdown(), (
        "README's assumptions table drifted from model.EDGES; regenerate it with `stoprace model --markdown`"
    )


def test_every_command_is_in_the_command_line_reference():
    from sim.cli import build_parser  # noqa: PLC0415

    reference = _section("Command line")
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name, sub in commands.items():
        assert f"`stoprace {name}" in reference, f"README's command line reference lacks `stoprace {name}`"
        for action in sub._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in reference, f"README's reference lacks `stoprace {name} {option}`"


def test_the_lifecycle_image_is_shown():
    assert "](docs/lifecycle.svg)" in README
    assert (ROOT / "docs" / "lifecycle.svg").is_file()


def test_the_stop_storm_table_is_what_the_fleet_measures():
    from sim.fleet import FleetScenario, simulate  # noqa: PLC0415

    rows = re.findall(r"^\| (legacy|standard|adaptive|legacy \+ application retries) \| (.*) \|$",
                      _section("Stop storms: fleets through a throttled API"), re.M)
    assert len(rows) == 4
    settings = {"legacy": {"retry_mode": "legacy"}, "standard": {"retry_mode": "standard"},
                "adaptive": {"retry_mode": "adaptive"},
                "legacy + application retries": {"retry_mode": "legacy", "app_retry": True}}
    for label, cells in rows:
        d = simulate(FleetScenario(botocore="1.44", **settings[label])).as_dict()
        lost = d["stop_never_accepted"]
        share = f" ({100 * d['share_never_accepted']:.1f}%)" if lost else ""
        expected = (
            f"{lost} of {d['stop_decided']}{share} | {100 * d['p_race_lost']:.1f}% | "
            f"{d['stop_requested_seconds']['mean'] / 60:.1f} min | "
            f"{d['wasted_billed_hours']:.0f} h, {d['wasted_cost_usd']:.0f} USD"
        )
        assert cells == expected, label


def test_the_audit_example_is_what_the_command_prints(capsys):
    from sim.cli import main  # noqa: PLC0415

    section = _section("Auditing your waiting code")
    match = re.search(r"^\$ (stoprace audit .*?) \\\n(.*?)^```", section, re.M | re.S)
    assert match, "README lost its audit example"
    words, printed = match.group(1).split(), match.group(2)
    head, _, rest = printed.partition("\n")  # the command's continuation line
    assert main(words[1:] + head.split()) == 0
    assert capsys.readouterr().out == rest
