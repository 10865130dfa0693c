"""The README and the documentation site: their commands, examples, tables and references must be true.

Every Python block runs (a block titled ``test_*.py`` is run by pytest, as a user would run it), every
``stoprace`` command runs in a scratch folder, the generated tables equal what they are generated from,
and nothing cites a document a user cannot see.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

from stoprace.model import EDGES, policy_fields
from stoprace.model.tables import assumptions_markdown

README = (ROOT / "README.md").read_text()
PAGES = {p.name: p.read_text() for p in sorted((ROOT / "docs").glob("*.md"))}
DOCUMENTS = {"README.md": README, **{f"docs/{name}": text for name, text in PAGES.items()}}
EVIDENCE = PAGES["evidence.md"]
#: The facts of the evidence page: its third-level headings, each a short name in backquotes.
FACTS = re.findall(r"^### `([a-z0-9-]+)`$", EVIDENCE, re.M)
BIN = Path(sys.executable).parent

# A fenced block: its language, the rest of its opening line (a title), its text.
_FENCE = re.compile(r"^```(\w*)([^\n]*)\n(.*?)^```", re.S | re.M)


def _section(text: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"no '## {title}' section"
    return match.group(1)


def _blocks(text: str, lang: str) -> list[str]:
    return [body for language, _, body in _FENCE.findall(text) if language == lang]


def _python_blocks() -> list[tuple[str, int, str, str]]:
    found = []
    for name, text in DOCUMENTS.items():
        for index, (language, rest, body) in enumerate(_FENCE.findall(text)):
            if language == "python":
                title = re.search(r'title="([^"]+)"', rest)
                found.append((name, index, title.group(1) if title else "", body))
    return found


def _commands() -> list[tuple[str, str]]:
    """Every ``stoprace`` command of every code block (continuation lines joined; a ``$ `` prompt
    dropped), with the document it is in. A block that shows a command's output is checked against
    the command by its own test, so only its command is collected here."""
    found = []
    for name, text in DOCUMENTS.items():
        for _, _, body in _FENCE.findall(text):
            for line in re.sub(r"\\\n\s*", " ", body).splitlines():
                command = line.strip().removeprefix("$ ")
                if command.startswith("stoprace "):
                    found.append((name, re.sub(r"\s+#.*$", "", command)))
    return found


# -- the front door ----------------------------------------------------------------------------------


def test_the_readme_is_a_front_door_of_at_most_250_lines():
    assert len(README.splitlines()) <= 250


def test_quick_start_has_exactly_two_commands_each_alone_in_a_block():
    blocks = _blocks(_section(README, "Quick start"), "bash")
    assert len(blocks) == 2
    for block in blocks:
        assert len(block.strip().splitlines()) == 1
    setup_and_run, setup_and_test = (b.strip() for b in blocks)
    assert "stoprace" in setup_and_run
    assert "pytest" in setup_and_test


def test_ci_runs_the_readmes_test_command():
    test_command = _blocks(_section(README, "Quick start"), "bash")[1].strip()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci


def test_the_lifecycle_image_is_shown():
    assert "](docs/lifecycle.svg)" in README
    assert (ROOT / "docs" / "lifecycle.svg").is_file()


def test_every_page_is_in_the_sites_navigation():
    config = (ROOT / "mkdocs.yml").read_text()
    for name in PAGES:
        assert f": {name}" in config, f"docs/{name} is not in mkdocs.yml's nav"


# -- examples run ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "index", "title", "code"),
    _python_blocks(),
    ids=lambda v: str(v) if isinstance(v, int) else None,
)
def test_python_examples_run(document, index, title, code, tmp_path):
    if title.startswith("test_"):
        (tmp_path / title).write_text(code)
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", title],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    else:
        exec(compile(code, f"{document} python block {index}", "exec"), {"__name__": "docs_example"})


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """An account's history as the documented commands read it (a simulated one, exported as AWS gives
    it): ``classifiers.json`` (list-document-classifiers) and ``stops.json`` (lookup-events)."""
    folder = tmp_path_factory.mktemp("history")
    exported = _run(folder, "stoprace fleet --jobs 300 --export-history exported")
    assert exported.returncode == 0, exported.stderr
    pages = sorted(folder.glob("exported/list-document-classifiers-*.json"))
    events = sorted(folder.glob("exported/lookup-events-*.json"))
    listed = [c for p in pages for c in json.loads(p.read_text())["DocumentClassifierPropertiesList"]]
    looked = [e for p in events for e in json.loads(p.read_text())["Events"]]
    (folder / "classifiers.json").write_text(json.dumps({"DocumentClassifierPropertiesList": listed}))
    (folder / "stops.json").write_text(json.dumps({"Events": looked}))
    return folder


def _run(folder: Path, command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "MPLBACKEND": "Agg"}
    return subprocess.run(
        ["bash", "-c", command], cwd=folder, env=env, capture_output=True, text=True, timeout=600, check=False
    )


#: Commands whose output a page shows are checked by their own tests (``stoprace check``, the exhaustive
#: search, in tests/test_check.py, which holds the suite's one run of it).
SHOWN = {"stoprace check", "stoprace serve"}  # the whole check takes a minute; serve runs until stopped


@pytest.mark.slow
@pytest.mark.parametrize("document", sorted({name for name, _ in _commands()}))
def test_documented_commands_run_in_order(document, history, tmp_path):
    """A page's commands, in a fresh folder, in the order a reader types them (a fit, then a race on
    it), with what they read at hand: the repository's docs, a waiter file and an account's history."""
    (tmp_path / "docs").symlink_to(ROOT / "docs")
    (tmp_path / "waiters.json").write_text(
        (ROOT / "docs" / "examples" / "classifier_waiters.json").read_text()
    )
    for name in ("classifiers.json", "stops.json"):
        (tmp_path / name).write_text((history / name).read_text())
    commands = [c for name, c in _commands() if name == document and c not in SHOWN]
    for command in commands:
        result = _run(tmp_path, command)
        assert result.returncode == 0, f"{document}: {command}\n{result.stderr}"


# -- generated and measured content ------------------------------------------------------------------


def test_the_assumptions_table_matches_the_edge_table():
    text = PAGES["concepts.md"]
    match = re.search(r"<!-- assumptions:start -->\n(.*?)\n<!-- assumptions:end -->", text, re.S)
    assert match, "docs/concepts.md lost its assumptions markers"
    assert match.group(1) == assumptions_markdown(), (
        "the assumptions table drifted from the edge table; regenerate it with `stoprace model --markdown`"
    )


def test_the_text_jobs_assumptions_table_matches_their_edge_table():
    from stoprace.model.analysis import JOB_EDGES  # noqa: PLC0415
    from stoprace.model.policy import JobPolicy  # noqa: PLC0415

    text = PAGES["text-jobs.md"]
    match = re.search(r"<!-- job-assumptions:start -->\n(.*?)\n<!-- job-assumptions:end -->", text, re.S)
    assert match, "docs/text-jobs.md lost its assumptions markers"
    assert match.group(1) == assumptions_markdown(edges=JOB_EDGES, policy_type=JobPolicy)


def test_the_cli_reference_is_generated_from_the_parsers():
    from stoprace.sim.cli import build_parser  # noqa: PLC0415
    from stoprace.sim.cli.reference import MARKER, commands, reference_markdown  # noqa: PLC0415

    assert MARKER in PAGES["cli.md"]
    reference = reference_markdown()
    names = next(a for a in build_parser()._actions if a.dest == "command").choices
    assert {f"stoprace {n}" for n in names} <= set(commands())
    for name, parser in commands().items():
        assert f"## `{name}`" in reference
        for action in parser._actions:
            for option in action.option_strings:
                if option != "--help" and option.startswith("--"):
                    assert f"`{option}`" in reference, f"{name} {option}"


@pytest.mark.slow  # a whole command run or a coverage study: the full suite's
def test_the_stop_storm_table_is_what_the_fleet_measures():
    from stoprace.sim.fleet import FleetScenario, simulate  # noqa: PLC0415

    rows = re.findall(
        r"^\| (legacy|standard|adaptive|legacy \+ application retries) \| (.*) \|$", PAGES["fleet.md"], re.M
    )
    assert len(rows) == 4
    settings = {
        "legacy": {"retry_mode": "legacy"},
        "standard": {"retry_mode": "standard"},
        "adaptive": {"retry_mode": "adaptive"},
        "legacy + application retries": {"retry_mode": "legacy", "app_retry": True},
    }
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


def test_the_audit_example_is_what_the_command_prints(capsys, monkeypatch):
    from stoprace.sim.cli import main  # noqa: PLC0415

    monkeypatch.chdir(ROOT)
    match = re.search(r"^\$ (stoprace audit .*?) \\\n(.*?)^```", PAGES["audit.md"], re.M | re.S)
    assert match, "docs/audit.md lost its audit example"
    words, printed = match.group(1).split(), match.group(2)
    head, _, rest = printed.partition("\n")  # the command's continuation line
    assert main(words[1:] + head.split()) == 0
    assert capsys.readouterr().out == rest


# -- the evidence, and nothing a user cannot see -----------------------------------------------------

#: References to documents outside the repository: the project's private notes and issue numbers.
# The private notes' names, each built from two halves so that this file, which the check reads too,
# names none of them itself.
_SPEC, _SEED, _DESIGN = "SP" + "EC", "SE" + "ED", "DES" + "IGN"
_PRIVATE = re.compile(
    rf"\b{_SPEC}( section|s? \d|'s|-derived| says)|from {_SPEC}\b|\b{_SEED}\b|\b{_DESIGN}\b"
    r"|\b[Ii]ssues? #?\d+|fact sheet|\.\./shared|/work/"
)


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    suffixes = {".py", ".md", ".toml", ".json", ".ipynb", ".yml", ".txt", ".cfg", ""}
    paths = [ROOT / name for name in listed.stdout.splitlines()]
    return [p for p in paths if p.suffix in suffixes and p.is_file() and not p.is_symlink()]


def test_nothing_cites_a_document_a_user_cannot_see():
    this = Path(__file__).resolve()
    found = []
    for path in _tracked_text_files():
        if path.resolve() == this:
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if _PRIVATE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not found, "\n".join(found)


def test_the_private_reference_detector_finds_what_it_must():
    number = "1" + "2"
    for line in (
        f"{_SPEC} section 7",
        f"({_SPEC} 5)",
        f"{_SEED}: a stop",
        f"as {_DESIGN} asks",
        f"issue {number}",
        "see ../shared/",
    ):
        assert _PRIVATE.search(line), line
    # a seed constant, the word seed and a distribution's specs are the project's own
    for line in (f"DEFAULT_{_SEED}", "the random seed", "distribution specs"):
        assert not _PRIVATE.search(line), line


def test_every_fact_has_one_section():
    assert len(FACTS) == len(set(FACTS)) >= 30


def test_every_edge_and_policy_field_names_facts_of_the_evidence_page():
    for edge in EDGES:
        assert edge.facts, f"{edge.trigger} from {edge.source} names no fact"
        assert set(edge.facts) <= set(FACTS), f"{edge.trigger}: {set(edge.facts) - set(FACTS)}"
    for field in policy_fields():
        assert field.fact in FACTS, field.name


def test_every_fact_the_code_and_docs_cite_exists():
    """The code cites a fact as ``evidence: ``name`` ``; the pages link ``evidence.md#name``."""
    cited: dict[str, set[str]] = {}
    for path in _tracked_text_files():
        text = path.read_text(errors="replace")
        names = re.findall(r"evidence(?:\.md#|: ``?|, )([a-z0-9]+(?:-[a-z0-9]+)+)", text)
        for name in names:
            cited.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    missing = {name: where for name, where in cited.items() if name not in FACTS}
    assert cited
    assert not missing, missing
