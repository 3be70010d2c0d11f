"""The command line: help, validate, plan, schema, output formats, exit codes, and no tracebacks."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra import __version__
from infra.cli import main

MINI = Path(__file__).parent / "data" / "mini"
SUBCOMMANDS = ("validate", "plan", "schema")
PROBLEM_RE = re.compile(r"^\S.*?: found .+; expected .+$")
SITES = ("dc-chinh", "so-tttt", "tp-tuy-hoa", "phuong-1", "xa-binh-ngoc")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def hatang_command() -> list[str]:
    script = Path(sys.executable).with_name("hatang")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "infra"]


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "HATANG_DEBUG"}


@pytest.fixture
def bad_inventory(tmp_path: Path) -> Path:
    """Mini with three independent problems: a dangling tier, a level out of range, an unknown key."""
    root = tmp_path / "bad"
    shutil.copytree(MINI, root)
    sites = root / "sites.yaml"
    sites.write_text(sites.read_text(encoding="utf-8").replace("tier: agency,", "tier: agencies,"), encoding="utf-8")
    dc = root / "dc.yaml"
    dc.write_text(dc.read_text(encoding="utf-8").replace("level: 3", "level: 6", 1), encoding="utf-8")
    (root / "extra.yaml").write_text(
        "gateways:\n  - {name: gw-2, label: Cổng 2, asn: 64601, operator: VNPT, opertor: VNPT}\n", encoding="utf-8"
    )
    return root


# --- help and usage --------------------------------------------------------------------------------


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("usage: hatang")
    for command in SUBCOMMANDS:
        assert command in shown


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_subcommand_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"usage: hatang {command}")
    assert "--out" in shown or command == "validate"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"hatang {__version__}"


@pytest.mark.parametrize(
    "argv", [[], ["frobnicate"], ["validate", "--format", "xml"], ["plan", "--format", "pdf"], ["validate", "a", "b"]]
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "usage: hatang" in captured.err
    assert "Traceback" not in captured.out + captured.err


def test_help_end_to_end() -> None:
    done = subprocess.run([*hatang_command(), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stdout.startswith("usage: hatang")


# --- validate ------------------------------------------------------------------------------------


def test_validate_mini() -> None:
    code, out, err = run("validate", str(MINI))
    assert (code, err) == (0, "")
    assert out.startswith("ok: Phú Yên")
    assert "4 files, 5 sites, 11 devices, 4 circuits, 3 hosts, 2 systems, 1 services" in out


def test_validate_defaults_to_the_inventory_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(MINI, tmp_path / "inventory")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("validate")
    assert code == 0
    assert out.startswith("ok:")


def test_validate_json_ok() -> None:
    code, out, err = run("validate", str(MINI), "--format", "json")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["ok"] is True
    assert report["sites"] == 5
    assert re.fullmatch(r"[0-9a-f]{64}", report["inventory_sha256"])


def test_validate_text_reports_every_problem(bad_inventory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(bad_inventory)
    code, out, err = run("validate", ".")
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert lines[-1] == "hatang: the inventory has 3 problems; nothing was changed"
    assert lines[:-1] == [
        "dc.yaml:9:12: systems[0].level: found integer 6; expected a value of at most 5",
        "extra.yaml:2:61: gateways[0].opertor: found unknown key 'opertor'; expected one of the keys asn, "
        "bgp_secret, label, name, operator (did you mean 'operator'?)",
        "sites.yaml:3:71: sites[1].tier: found 'agencies', which is not a tier; expected the name of a tier "
        "(did you mean 'agency'?)",
    ]


def test_validate_json_problems(bad_inventory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(bad_inventory)
    code, out, err = run("validate", ".", "--format", "json")
    assert code == 2
    assert err == ""
    report = json.loads(out)
    assert report["ok"] is False
    problems = report["problems"]
    assert len(problems) == 3
    for problem in problems:
        assert set(problem) == {"file", "line", "column", "path", "found", "expected"}
    assert problems[0] == {
        "file": "dc.yaml",
        "line": 9,
        "column": 12,
        "path": "systems[0].level",
        "found": "integer 6",
        "expected": "a value of at most 5",
    }


def test_validate_github_annotations(bad_inventory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(bad_inventory)
    code, out, err = run("validate", ".", "--format", "github")
    assert code == 2
    assert out == ""
    annotations = [line for line in err.splitlines() if line.startswith("::error ")]
    assert annotations == [
        "::error file=dc.yaml,line=9,col=12::systems[0].level: found integer 6; expected a value of at most 5",
        "::error file=extra.yaml,line=2,col=61::gateways[0].opertor: found unknown key 'opertor'; expected one of "
        "the keys asn, bgp_secret, label, name, operator (did you mean 'operator'?)",
        "::error file=sites.yaml,line=3,col=71::sites[1].tier: found 'agencies', which is not a tier; expected the "
        "name of a tier (did you mean 'agency'?)",
    ]


def test_validate_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    code, out, err = run("validate", str(missing))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{missing}: found no such file or directory; expected an inventory file or directory",
        "hatang: the inventory has 1 problem; nothing was changed",
    ]


def test_validate_end_to_end(bad_inventory: Path) -> None:
    done = subprocess.run(
        [*hatang_command(), "validate", "."],
        cwd=bad_inventory,
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 4
    assert all(PROBLEM_RE.match(line) for line in lines[:-1])


# --- plan ----------------------------------------------------------------------------------------


def test_plan_json() -> None:
    code, out, err = run("plan", str(MINI), "--format", "json")
    assert (code, err) == (0, "")
    plan = json.loads(out)
    assert set(plan["sites"]) == set(SITES)
    assert plan["pools"] == {"gua": "2001:db8:5400::/40", "ipv4": "10.54.0.0/16"}
    assert plan["sites"]["phuong-1"]["blocks"] == {"gua": "2001:db8:5440:100::/56", "ipv4": "10.54.128.64/26"}


def test_plan_csv() -> None:
    code, out, err = run("plan", str(MINI), "--format", "csv")
    assert (code, err) == (0, "")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["site", "kind", "object", "pool", "value", "note"]
    assert all(len(row) == 6 for row in rows)
    blocks = {(r[0], r[3]): r[4] for r in rows[1:] if r[1] == "site-block"}
    assert len(blocks) == 2 * len(SITES)
    assert blocks[("phuong-1", "gua")] == "2001:db8:5440:100::/56"
    assert blocks[("phuong-1", "ipv4")] == "10.54.128.64/26"
    assert {r[2] for r in rows[1:] if r[1] == "circuit"} == {"1", "2", "3", "4"}


def test_plan_table() -> None:
    code, out, err = run("plan", str(MINI), "--format", "table")
    assert (code, err) == (0, "")
    site_lines = {line.split()[0]: line for line in out.splitlines() if line.split() and line.split()[0] in SITES}
    assert set(site_lines) == set(SITES)
    assert "2001:db8:5440:100::/56" in site_lines["phuong-1"]
    assert "Phường 1" in site_lines["phuong-1"]


def test_plan_is_table_by_default() -> None:
    assert run("plan", str(MINI)) == run("plan", str(MINI), "--format", "table")


def test_plan_summary() -> None:
    code, out, err = run("plan", str(MINI), "--format", "summary")
    assert (code, err) == (0, "")
    assert "pools: gua 2001:db8:5400::/40, ipv4 10.54.0.0/16" in out
    assert "5 sites, 11 devices" in out
    assert "xa-binh-ngoc" not in out, "the summary has no per-site lines"


def test_plan_explains_one_site() -> None:
    code, out, err = run("plan", str(MINI), "--site", "phuong-1")
    assert (code, err) == (0, "")
    assert out.startswith("site phuong-1: Phường 1 (tier commune, id 1, profile commune, parent tp-tuy-hoa)")
    # commune is tier index 4: gua tier block /44 number 4 of the /40, site /56 number 1 (its id);
    # ipv4 tier block /17 in slot 1 of the /16, site /26 number 1
    assert "gua   2001:db8:5440:100::/56  <- tier commune block 2001:db8:5440::/44, /56 number 1 (site id 1)" in out
    assert "ipv4  10.54.128.64/26  <- tier commune block 10.54.128.0/17, /26 number 1 (site id 1)" in out
    assert "circuit 4 phuong-1-ce1 -> gw-phu-yen-1" in out
    assert "xa-binh-ngoc" not in out


def test_plan_explains_one_site_as_json() -> None:
    code, out, _ = run("plan", str(MINI), "--site", "xa-binh-ngoc", "--format", "json")
    assert code == 0
    explained = json.loads(out)
    assert list(explained) == ["xa-binh-ngoc"]
    assert explained["xa-binh-ngoc"]["blocks"]["gua"] == "2001:db8:5440:1000::/56"


def test_plan_unknown_site() -> None:
    code, out, err = run("plan", str(MINI), "--site", "phuong1")
    assert (code, out) == (2, "")
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 2
    assert PROBLEM_RE.match(lines[0])
    assert "--site: found 'phuong1'" in lines[0]
    assert "the name of a site of the inventory (did you mean 'phuong-1'?)" in lines[0]
    assert lines[1] == "hatang: the input has 1 problem; nothing was changed"


def test_plan_nope_site() -> None:
    code, _, err = run("plan", str(MINI), "--site", "nope")
    assert code == 2
    assert "found 'nope'" in err
    assert "did you mean" not in err


def test_plan_out_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "plan.json"
    code, out, err = run("plan", str(MINI), "--format", "json", "--out", str(target))
    assert (code, err) == (0, "")
    assert out == f"wrote {target}\n"
    assert target.read_text(encoding="utf-8") == run("plan", str(MINI), "--format", "json")[1]


def test_plan_of_a_bad_inventory(bad_inventory: Path) -> None:
    code, out, err = run("plan", str(bad_inventory), "--out", str(bad_inventory / "plan.txt"))
    assert (code, out) == (2, "")
    assert "3 problems" in err
    assert not (bad_inventory / "plan.txt").exists(), "nothing is written when the inventory is bad"


# --- schema --------------------------------------------------------------------------------------


def test_schema() -> None:
    code, out, err = run("schema")
    assert (code, err) == (0, "")
    schema = json.loads(out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["sites"]["type"] == "array"
    assert {"province", "addressing", "sites", "circuits", "secrets"} <= set(schema["properties"])


def test_schema_out(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    code, out, _ = run("schema", "--out", str(target))
    assert code == 0
    assert out == f"wrote {target}\n"
    assert json.loads(target.read_text(encoding="utf-8"))["$schema"]


# --- internal errors -----------------------------------------------------------------------------


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("boom")


@pytest.mark.parametrize(
    "argv", [["validate"], ["plan"], ["plan", "--site", "phuong-1"], ["validate", "--format", "json"]]
)
def test_unexpected_exception_exits_3_without_traceback(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HATANG_DEBUG", raising=False)
    monkeypatch.setattr("infra.inventory.load", _boom)
    code, out, err = run(*argv[:1], str(MINI), *argv[1:])
    assert code == 3
    assert out == ""
    assert "Traceback" not in err
    assert err.splitlines() == [
        "hatang: internal error: RuntimeError: boom",
        "(run with HATANG_DEBUG=1 for details)",
    ]


def test_unexpected_exception_in_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HATANG_DEBUG", raising=False)
    monkeypatch.setattr("infra.inventory.schema.schema_text", _boom)
    code, _, err = run("schema")
    assert code == 3
    assert "internal error: RuntimeError: boom" in err


def test_debug_lets_the_exception_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HATANG_DEBUG", "1")
    monkeypatch.setattr("infra.inventory.load", _boom)
    with pytest.raises(RuntimeError, match="boom"):
        run("validate", str(MINI))


def test_interrupt(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("infra.inventory.load", interrupted)
    code, _, err = run("validate", str(MINI))
    assert code == 130
    assert err == "hatang: interrupted\n"


def test_unexpected_exception_end_to_end() -> None:
    code = (
        "import infra.inventory\n"
        "def boom(*a, **k):\n"
        "    raise RuntimeError('boom')\n"
        "infra.inventory.load = boom\n"
        "from infra.cli import run\n"
        f"import sys; sys.argv = ['hatang', 'validate', {str(MINI)!r}]\n"
        "run()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=clean_env(), timeout=60)
    assert done.returncode == 3
    assert "Traceback" not in done.stderr
    assert "hatang: internal error: RuntimeError: boom" in done.stderr
