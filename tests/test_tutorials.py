"""The course tutorials: every syllabus lesson is taught, mapped to the engine, and runs.

Three kinds of checks:

1. Static, per lesson of the syllabus (``../shared/course/syllabus.md`` beside the clone,
   or the copy ``tests/data/syllabus_lessons.txt`` when ``shared/`` is absent): the lesson
   appears as a ``## Lección X.Y.Z — Título`` heading in its unit's tutorial, its section
   names the engine files it uses on a ``→ minidl/...`` line (files that exist), and
   ``tutorials/README.md`` has a table row for it pointing to the same file and modules.
2. Each tutorial runs in fast mode (``MINIDL_FAST=1``) as a subprocess from a temporary
   working directory, exits 0, and its printed ``RESULTADO clave=valor`` lines satisfy the
   ``# comprobaciones: clave>=0.9, ...`` list on its first line (marked ``slow``).
3. jupytext reads each tutorial as a notebook with the lesson headings in markdown cells.

``MINIDL_TUTORIAL_TIMEOUT`` (seconds, default 270) bounds each run.
"""

from __future__ import annotations

import functools
import math
import operator
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TUTORIALS = REPO / "tutorials"
README = TUTORIALS / "README.md"
SYLLABUS = Path(__file__).resolve().parents[2] / "shared" / "course" / "syllabus.md"
SYLLABUS_COPY = Path(__file__).resolve().parent / "data" / "syllabus_lessons.txt"
TIMEOUT = int(os.environ.get("MINIDL_TUTORIAL_TIMEOUT", "270"))

LESSON_LINE = re.compile(r"^(\d+\.\d+\.\d+) — (.+?)\s*$")
HEADING = re.compile(r"^# ## Lección (\d+\.\d+\.\d+) — (.+?)\s*$")
ANY_HEADING = re.compile(r"^# #{1,2} ")
ARROW = re.compile(r"^# → (.+?)\s*$")
CHECK = re.compile(r"^\s*(\w+)\s*(>=|<=|>|<)\s*(\S+)\s*$")
RESULT = re.compile(r"^RESULTADO (\w+)=(.*)$")
OPERATORS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


# ------------------------------------------------------------------ the syllabus


def syllabus_lessons() -> list[tuple[str, str]]:
    """(number, title) of every lesson, from the syllabus itself or the saved copy."""
    if SYLLABUS.exists():
        lines = [line[len("### Lección "):] for line in SYLLABUS.read_text(encoding="utf-8").splitlines()
                 if line.startswith("### Lección ")]
    else:
        lines = SYLLABUS_COPY.read_text(encoding="utf-8").splitlines()
    lessons = []
    for line in lines:
        match = LESSON_LINE.match(line.strip())
        if match:
            lessons.append((match.group(1), match.group(2)))
    return lessons


def tutorial_files() -> list[Path]:
    return sorted(TUTORIALS.glob("[0-9][0-9]_*.py"))


@functools.lru_cache(maxsize=1)
def lesson_sections() -> dict[str, dict]:
    """For each lesson heading found in the tutorials: its file, title and → paths."""
    sections: dict[str, dict] = {}
    for path in tutorial_files():
        current = None
        for line in path.read_text(encoding="utf-8").splitlines():
            heading = HEADING.match(line)
            if heading:
                current = {"file": path.name, "title": heading.group(2), "paths": [],
                           "duplicate": heading.group(1) in sections}
                sections[heading.group(1)] = current
                continue
            if ANY_HEADING.match(line):
                current = None  # a section heading such as "## 5.2 — ..." ends the lesson
                continue
            arrow = ARROW.match(line)
            if arrow and current is not None:
                current["paths"] += [p.strip() for p in arrow.group(1).split(",") if p.strip()]
    return sections


@functools.lru_cache(maxsize=1)
def readme_rows() -> dict[str, list[str]]:
    """Table rows of tutorials/README.md keyed by lesson number: the list of cells."""
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells and re.fullmatch(r"\d+\.\d+\.\d+", cells[0]):
            rows[cells[0]] = cells
    return rows


LESSONS = syllabus_lessons()
LESSON_IDS = [number for number, _ in LESSONS]


def test_syllabus_has_77_lessons_and_the_copy_is_current():
    assert len(LESSONS) == 77, f"expected the 77 lessons of the course, parsed {len(LESSONS)}"
    if SYLLABUS.exists():  # keep the fallback copy in step with the real syllabus
        copy = SYLLABUS_COPY.read_text(encoding="utf-8").split("\n")
        expected = [f"{n} — {t}" for n, t in LESSONS]
        assert [line for line in copy if line] == expected, (
            f"{SYLLABUS_COPY} is out of date; regenerate it from {SYLLABUS}")


@pytest.mark.parametrize("number,title", LESSONS, ids=LESSON_IDS)
def test_lesson_is_taught_in_its_unit_tutorial(number, title):
    section = lesson_sections().get(number)
    unit = int(number.split(".")[0])
    assert section is not None, (
        f"no heading '## Lección {number} — {title}' in tutorials/{unit:02d}_*.py")
    assert section["title"] == title, f"heading title {section['title']!r} differs from the syllabus {title!r}"
    assert not section["duplicate"], f"lesson {number} has more than one heading"
    assert section["file"].startswith(f"{unit:02d}_"), f"lesson {number} is in {section['file']}, not unit {unit}"
    assert any(p.startswith("minidl/") for p in section["paths"]), (
        f"lesson {number} ({section['file']}) has no '→ minidl/...' line naming the engine files it uses")
    missing = [p for p in section["paths"] if not (REPO / p).exists()]
    assert not missing, f"lesson {number} names files that do not exist: {missing}"


@pytest.mark.parametrize("number,title", LESSONS, ids=LESSON_IDS)
def test_lesson_is_in_the_readme_table(number, title):
    row = readme_rows().get(number)
    assert row is not None, f"tutorials/README.md has no table row '| {number} | {title} | ...'"
    text = " | ".join(row)
    assert title in text, f"README row for {number} does not give its title {title!r}: {text}"
    section = lesson_sections().get(number)
    if section is None:
        pytest.skip(f"lesson {number} has no tutorial section yet (see the other test)")
    assert section["file"] in text, f"README row for {number} should point to {section['file']}: {text}"
    listed = set(re.findall(r"`([^`]+)`", row[-1]))
    assert listed == set(section["paths"]), (
        f"README row for {number} lists modules {sorted(listed)}, the tutorial's → line says "
        f"{sorted(section['paths'])}")


# ------------------------------------------------------------------ running them


def parse_checks(path: Path) -> list[tuple[str, str, str]]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# comprobaciones:"), (
        f"{path.name}: the first line must be '# comprobaciones: clave>=valor, ...'")
    checks = []
    for item in first.split(":", 1)[1].split(","):
        match = CHECK.match(item)
        assert match, f"{path.name}: cannot read the check {item.strip()!r} (expected e.g. acc>=0.9)"
        checks.append(match.groups())
    return checks


def number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


@pytest.mark.slow
@pytest.mark.timeout(TIMEOUT + 60)
@pytest.mark.parametrize("path", tutorial_files(), ids=lambda p: p.stem)
def test_tutorial_runs_in_fast_mode_and_its_numbers_are_sane(path, tmp_path):
    checks = parse_checks(path)
    assert checks, f"{path.name} lists no checks"
    env = dict(os.environ, MINIDL_FAST="1", MPLBACKEND="Agg", MINIDL_TUTORIAL_OUT=str(tmp_path))
    env.pop("PYTHONPATH", None)  # the tutorial must find minidl on its own
    try:
        run = subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as error:
        output = error.stdout.decode(errors="replace") if isinstance(error.stdout, bytes) else (error.stdout or "")
        pytest.fail(f"{path.name} did not finish in fast mode within {TIMEOUT} s; its output so far:\n{output[-3000:]}")
    tail = (run.stdout[-3000:] + "\n" + run.stderr[-3000:]).strip()
    assert run.returncode == 0, f"{path.name} exited with {run.returncode}:\n{tail}"
    results = {}
    for line in run.stdout.splitlines():
        match = RESULT.match(line.strip())
        if match:
            results[match.group(1)] = match.group(2).strip()
    failures = []
    for key, op, bound in checks:
        if key not in results:
            failures.append(f"{key}: never printed (RESULTADO {key}=...)")
            continue
        limit = number(results[bound]) if bound in results else number(bound)
        value = number(results[key])
        if not OPERATORS[op](value, limit):
            failures.append(f"{key}={results[key]} fails {key}{op}{bound}")
    assert not failures, f"{path.name}: " + "; ".join(failures) + f"\n{tail}"
    if "guardar_figura(" in path.read_text(encoding="utf-8"):
        figures = list((tmp_path / path.stem).glob("*.png"))
        assert figures, f"{path.name} saves figures but none were written under MINIDL_TUTORIAL_OUT"


# ------------------------------------------------------------------ as notebooks


@pytest.mark.parametrize("path", tutorial_files(), ids=lambda p: p.stem)
def test_tutorial_opens_as_a_notebook(path):
    jupytext = pytest.importorskip("jupytext")
    notebook = jupytext.read(path)
    markdown = [c.source for c in notebook.cells if c.cell_type == "markdown"]
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    assert markdown and code, f"{path.name}: expected markdown and code cells"
    unit = int(path.name[:2])
    assert any(re.search(rf"^# Unidad {unit} — ", m, flags=re.M) for m in markdown), (
        f"{path.name}: no title cell '# Unidad {unit} — ...'")
    headings = re.findall(r"^## Lección (\d+\.\d+\.\d+) — ", "\n".join(markdown), flags=re.M)
    in_file = [n for n, _ in LESSONS if n.split(".")[0] == str(unit)]
    assert sorted(headings) == sorted(in_file), (
        f"{path.name}: lesson headings in markdown cells {headings}, syllabus unit {unit} has {in_file}")


def readme_table() -> str:
    """The lesson table of tutorials/README.md as the tutorials define it today."""
    rows = ["| Lección | Título | Tutorial (sección) | Módulos del motor |", "|---|---|---|---|"]
    sections = lesson_sections()
    for number, title in LESSONS:
        section = sections.get(number, {"file": "?", "paths": []})
        modules = ", ".join(f"`{p}`" for p in section["paths"])
        link = f"[`{section['file']}`]({section['file']})"
        rows.append(f"| {number} | {title} | {link} · «Lección {number} — {title}» | {modules} |")
    return "\n".join(rows)


if __name__ == "__main__":  # python tests/test_tutorials.py > tabla.md: regenerate the README table
    print(readme_table())
