"""The malformed-inventory corpus: every case gets exactly its messages, located, all in one run, exit 2.

Each directory under ``tests/corpus/`` is one case. Its files are applied to a copy of ``tests/data/mini``:

* ``<name>`` (any file, also in subdirectories) replaces or adds that file, byte for byte;
* ``<name>.delete`` deletes ``<name>`` from the copy;
* ``<name>.generate`` holds a byte count: a file ``<name>`` of that size is written at test time
  (so that no huge file is kept in the repository);
* ``target.txt`` names the path to validate, relative to the copy (default ``.``);
* ``expected.txt`` lists the problems, one per line: ``LOCATION | SUBSTRING | SUBSTRING ...``.
  ``LOCATION`` is the exact text before ``found`` (``file:line:col: path``, relative to the copy);
  every ``SUBSTRING`` must appear in that problem's line, and one starting with ``!`` must appear
  nowhere in the output. Blank lines and lines starting with ``#`` are comments.

The validator runs with the copy as the working directory, so files are shown relative to it.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.cli import main

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
MINI = HERE / "data" / "mini"
CONTROL = {"expected.txt", "target.txt"}
PADDING = b"# padding that makes this inventory file larger than the reader accepts\n"

PROBLEM_RE = re.compile(r"^(?P<head>\S.*?): found (?P<found>.+); expected (?P<expected>.+)$")
CLOSING_RE = re.compile(r"^hatang: the (?:inventory|address plan) has (?P<count>\d+) problems?; nothing was changed$")

CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


@dataclass(frozen=True)
class Expected:
    """One expected problem line."""

    head: str
    needles: tuple[str, ...]
    absent: tuple[str, ...]
    source: str


def parse_expected(path: Path) -> list[Expected]:
    out: list[Expected] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, *parts = (p.strip() for p in line.split(" | "))
        needles = tuple(p for p in parts if not p.startswith("!"))
        absent = tuple(p[1:] for p in parts if p.startswith("!"))
        assert needles, f"{path}: {raw!r} names no text the message must contain"
        out.append(Expected(head, needles, absent, raw))
    return out


def build_case(name: str, dest: Path) -> str:
    """Copy mini to ``dest``, apply the case; return the path to validate."""
    case = CORPUS / name
    shutil.copytree(MINI, dest)
    target = "."
    for src in sorted(case.rglob("*")):
        if src.is_dir():
            continue
        rel = src.relative_to(case)
        if rel.as_posix() in CONTROL:
            if rel.name == "target.txt":
                target = src.read_text(encoding="utf-8").strip()
            continue
        if rel.name.endswith(".delete"):
            victim = dest / rel.with_name(rel.name.removesuffix(".delete"))
            assert victim.is_file(), f"{name}: {rel} deletes a file mini does not have"
            victim.unlink()
            continue
        if rel.name.endswith(".generate"):
            size = int(src.read_text(encoding="utf-8").split()[0])
            out = dest / rel.with_name(rel.name.removesuffix(".generate"))
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("wb") as fh:
                full, rest = divmod(size, len(PADDING))
                for _ in range(full):
                    fh.write(PADDING)
                fh.write(PADDING[:rest])
            assert out.stat().st_size == size
            continue
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, out)
    return target


def problem_lines(stderr: str) -> list[str]:
    """Check the shape of the report; return the problem lines (all but the closing line)."""
    lines = stderr.splitlines()
    assert lines, "no problems were printed"
    closing = CLOSING_RE.match(lines[-1])
    assert closing, f"last line is not the closing count: {lines[-1]!r}"
    problems = lines[:-1]
    assert int(closing["count"]) == len(problems), stderr
    for line in problems:
        assert PROBLEM_RE.match(line), f"not of the shape 'where: path: found X; expected Y': {line!r}"
    return problems


def head_of(line: str) -> str:
    match = PROBLEM_RE.match(line)
    assert match is not None
    return match["head"]


def match_expected(expected: list[Expected], problems: list[str], everything: str) -> None:
    """Every expected problem matches its own printed line; nothing more, nothing less."""
    report = "\n".join(problems)
    assert len(problems) == len(expected), (
        f"expected {len(expected)} problem(s), got {len(problems)}:\n{report}\nexpected:\n"
        + "\n".join(e.source for e in expected)
    )
    unused = list(problems)
    for exp in expected:
        hits = [p for p in unused if head_of(p) == exp.head and all(n in p for n in exp.needles)]
        assert hits, f"no problem line matches {exp.source!r} in:\n{report}"
        unused.remove(hits[0])
        for secret in exp.absent:
            assert secret not in everything, f"{secret!r} must not be printed:\n{everything}"


def run_in_process(root: Path, target: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(root)
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", target], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30
    for name in CASES:
        assert (CORPUS / name / "expected.txt").is_file(), f"{name} has no expected.txt"


@pytest.mark.parametrize("name", CASES)
def test_case(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = parse_expected(CORPUS / name / "expected.txt")
    root = tmp_path / "inventory"
    target = build_case(name, root)
    code, out, err = run_in_process(root, target, monkeypatch)
    assert "Traceback" not in out + err
    assert out == "", "problems belong on standard error"
    assert code == 2, err
    match_expected(expected, problem_lines(err), out + err)


def test_mini_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    """The base every case starts from is itself valid, so each case's problems are its own."""
    code, out, err = run_in_process(MINI, ".", monkeypatch)
    assert (code, err) == (0, "")
    assert out.startswith("ok: ")


def test_huge_file_limit_is_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file of exactly the limit is read (and, being only comments, reported as such, not as too big)."""
    root = tmp_path / "inventory"
    build_case("huge-file", root)
    with (root / "huge.yaml").open("r+b") as fh:
        fh.truncate(32 * 1024 * 1024)
    code, _, err = run_in_process(root, ".", monkeypatch)
    assert code == 2
    [line] = problem_lines(err)
    assert head_of(line) == "huge.yaml:1:1"
    assert "only comments" in line


SUBPROCESS_CASES = ["yaml-syntax-error", "non-utf8", "yaml-alias", "override-overlap", "all-at-once", "missing-path"]


def hatang_command() -> list[str]:
    script = Path(sys.executable).with_name("hatang")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from infra.cli import run; run()"]


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_case_end_to_end(name: str, tmp_path: Path) -> None:
    """The installed command: exit 2, the same messages, no traceback."""
    root = tmp_path / "inventory"
    target = build_case(name, root)
    env = {k: v for k, v in os.environ.items() if k != "HATANG_DEBUG"}
    done = subprocess.run(
        [*hatang_command(), "validate", target], cwd=root, capture_output=True, text=True, env=env, timeout=120
    )
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 2, done.stderr
    match_expected(
        parse_expected(CORPUS / name / "expected.txt"), problem_lines(done.stderr), done.stdout + done.stderr
    )


@pytest.mark.slow
def test_huge_file_end_to_end(tmp_path: Path) -> None:
    """A file just over 32 MiB, through the real command."""
    root = tmp_path / "inventory"
    build_case("huge-file", root)
    assert (root / "huge.yaml").stat().st_size == 32 * 1024 * 1024 + 1
    done = subprocess.run([*hatang_command(), "validate", "."], cwd=root, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 2
    [line] = problem_lines(done.stderr)
    assert line.startswith("huge.yaml:1:1: found ")
    assert "33554433 bytes" in line
