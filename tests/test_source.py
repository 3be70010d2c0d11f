"""The strict YAML reader: YAML 1.2 scalars, 1-based positions, and every file-level problem located."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest

from infra.errors import InventoryError, Problem
from infra.inventory import load
from infra.inventory.source import Document, describe, find_files, format_path, read_documents

MINI = Path(__file__).parent / "data" / "mini"


def read(
    tmp_path: Path, content: str | bytes, *, name: str = "x.yaml", max_bytes: int | None = None
) -> tuple[list[Document], list[Problem]]:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    if max_bytes is None:
        return read_documents([path], displays=[name])
    return read_documents([path], displays=[name], max_bytes=max_bytes)


def read_one(tmp_path: Path, content: str | bytes) -> Document:
    docs, problems = read(tmp_path, content)
    assert problems == []
    [doc] = docs
    return doc


def value_of(tmp_path: Path, scalar: str) -> Any:
    return read_one(tmp_path, f"v: {scalar}\n").data["v"]


# --- YAML 1.2 scalars ------------------------------------------------------------------------------


@pytest.mark.parametrize("scalar", ["yes", "no", "on", "off", "y", "n", "Yes", "NO", "On"])
def test_yaml11_booleans_stay_strings(tmp_path: Path, scalar: str) -> None:
    assert value_of(tmp_path, scalar) == scalar


@pytest.mark.parametrize(("scalar", "expected"), [("true", True), ("false", False), ("True", True), ("FALSE", False)])
def test_yaml12_booleans(tmp_path: Path, scalar: str, expected: bool) -> None:
    assert value_of(tmp_path, scalar) is expected


@pytest.mark.parametrize("scalar", ["010", "0054", "00", "012345"])
def test_leading_zeros_stay_strings(tmp_path: Path, scalar: str) -> None:
    assert value_of(tmp_path, scalar) == scalar


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [("0x10", 16), ("0xff", 255), ("0o17", 15), ("0", 0), ("10", 10), ("-7", -7), ("+5", 5), ("65054", 65054)],
)
def test_integers(tmp_path: Path, scalar: str, expected: int) -> None:
    value = value_of(tmp_path, scalar)
    assert type(value) is int
    assert value == expected


@pytest.mark.parametrize("scalar", ["12:30", "1_000", "0b101", "017_0"])
def test_yaml11_numbers_stay_strings(tmp_path: Path, scalar: str) -> None:
    """Sexagesimal numbers, underscores and binary are YAML 1.1 only."""
    assert value_of(tmp_path, scalar) == scalar


@pytest.mark.parametrize(("scalar", "expected"), [("1.5", 1.5), ("-0.25", -0.25), (".5", 0.5), ("1.0e3", 1000.0)])
def test_floats(tmp_path: Path, scalar: str, expected: float) -> None:
    value = value_of(tmp_path, scalar)
    assert type(value) is float
    assert value == expected


@pytest.mark.parametrize(("scalar", "sign"), [(".inf", 1), ("+.Inf", 1), ("-.INF", -1)])
def test_infinities(tmp_path: Path, scalar: str, sign: int) -> None:
    value = value_of(tmp_path, scalar)
    assert math.isinf(value)
    assert math.copysign(1, value) == sign


def test_nan(tmp_path: Path) -> None:
    assert math.isnan(value_of(tmp_path, ".nan"))


def test_date(tmp_path: Path) -> None:
    assert value_of(tmp_path, "2023-04-10") == dt.date(2023, 4, 10)


def test_datetime_is_not_a_date(tmp_path: Path) -> None:
    assert value_of(tmp_path, "2023-04-10T10:00:00") == "2023-04-10T10:00:00"


@pytest.mark.parametrize("scalar", ["~", "null", "Null", "NULL", ""])
def test_nulls(tmp_path: Path, scalar: str) -> None:
    assert value_of(tmp_path, scalar) is None


@pytest.mark.parametrize("scalar", ['"010"', "'yes'", '"0x10"', '"2023-04-10"', '"~"', "''"])
def test_quoted_scalars_are_strings(tmp_path: Path, scalar: str) -> None:
    assert value_of(tmp_path, scalar) == scalar[1:-1]


def test_not_a_real_date_is_one_problem(tmp_path: Path) -> None:
    docs, problems = read(tmp_path, "province:\n  snapshot: 2023-02-30\n")
    assert [str(p) for p in problems] == [
        "x.yaml:2:13: province.snapshot: found date '2023-02-30'; expected a real calendar date YYYY-MM-DD"
    ]
    assert docs[0].reported == {("province", "snapshot")}


# --- positions -------------------------------------------------------------------------------------

TEXT = """\
province:
  name: Phú Yên
  code: "54"
sites:
  - {name: a, id: 1}
  - name: b
    tags: [x, y]
"""


def test_positions_are_one_based(tmp_path: Path) -> None:
    doc = read_one(tmp_path, TEXT)
    assert doc.mark(()) == (1, 1)
    assert doc.mark(("province",), key=True) == (1, 1)
    assert doc.mark(("province",)) == (2, 3)
    assert doc.mark(("province", "name"), key=True) == (2, 3)
    assert doc.mark(("province", "name")) == (2, 9)
    assert doc.mark(("province", "code")) == (3, 9)
    assert doc.mark(("sites", 0)) == (5, 5)
    assert doc.mark(("sites", 0, "id"), key=True) == (5, 15)
    assert doc.mark(("sites", 0, "id")) == (5, 19)
    assert doc.mark(("sites", 1)) == (6, 5)
    assert doc.mark(("sites", 1, "tags", 1)) == (7, 15)


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    doc = read_one(tmp_path, "a: {x: Phú Yên, y: 1}\n")
    assert doc.mark(("a", "y")) == (1, 20)


def test_mark_falls_back_to_the_nearest_parent(tmp_path: Path) -> None:
    doc = read_one(tmp_path, TEXT)
    assert doc.mark(("sites", 1, "profile")) == (6, 5)
    assert doc.mark(("sites", 0, "name"), key=True) == (5, 6)
    assert doc.mark(("sites", 0, "missing"), key=True) == (5, 5)


def test_format_path() -> None:
    assert format_path(("sites", 3, "parent")) == "sites[3].parent"
    assert format_path(("defaults", "endpoints", "snmp-manager", 0)) == "defaults.endpoints.snmp-manager[0]"
    assert format_path(()) == ""


def test_describe_shortens_long_strings() -> None:
    shown = describe("x" * 200)
    assert len(shown) < 80
    assert shown.endswith("...'")
    assert describe(None) == "null"
    assert describe(True) == "boolean true"
    assert describe(dt.date(2023, 4, 10)) == "date 2023-04-10"


# --- duplicate keys, aliases, merge keys, tags -------------------------------------------------


def test_duplicate_key(tmp_path: Path) -> None:
    docs, problems = read(tmp_path, "sites:\n  - name: a\n    id: 1\n    id: 2\n")
    assert [str(p) for p in problems] == [
        "x.yaml:4:5: sites[0].id: found duplicate key 'id' (first at line 3); expected each key once"
    ]
    assert docs[0].data == {"sites": [{"name": "a", "id": 1}]}


def test_duplicate_top_level_key(tmp_path: Path) -> None:
    _, problems = read(tmp_path, "sites: []\ngateways: []\nsites: []\n")
    assert [(p.line, p.column, p.path) for p in problems] == [(3, 1, "sites")]


def test_alias_is_reported_where_it_is_used(tmp_path: Path) -> None:
    text = "gateways:\n  - &gw {name: a}\n  - *gw\n  - {name: b, label: &l L}\n  - {name: c, label: *l}\n"
    docs, problems = read(tmp_path, text)
    assert [(p.line, p.column, p.path, p.found) for p in problems] == [
        (3, 5, "gateways[1]", "an alias (*gw)"),
        (5, 22, "gateways[3].label", "an alias (*l)"),
    ]
    assert docs[0].data["gateways"][1] is None
    assert docs[0].reported == {("gateways", 1), ("gateways", 3, "label")}


def test_alias_after_a_skipped_duplicate_keeps_positions_in_step(tmp_path: Path) -> None:
    text = "b: &x 2\na: 1\na: *x\nc: *x\n"
    _, problems = read(tmp_path, text)
    assert [(p.line, p.column, p.found) for p in problems] == [
        (3, 1, "duplicate key 'a' (first at line 2)"),
        (4, 4, "an alias (*x)"),
    ]


def test_merge_key_is_one_problem(tmp_path: Path) -> None:
    text = "gateways:\n  - &gw {name: a}\n  - <<: *gw\n    label: b\n  - *gw\n"
    docs, problems = read(tmp_path, text)
    assert [(p.line, p.column, p.path) for p in problems] == [(3, 5, "gateways[1].<<"), (5, 5, "gateways[2]")]
    assert "merge key" in problems[0].found
    assert docs[0].data["gateways"][1] == {"label": "b"}


def test_explicit_tag_is_a_problem(tmp_path: Path) -> None:
    _, problems = read(tmp_path, "province:\n  code: !custom 54\n")
    assert [(p.line, p.column, p.path) for p in problems] == [(2, 9, "province.code")]
    assert "tag" in problems[0].found


def test_non_string_key(tmp_path: Path) -> None:
    _, problems = read(tmp_path, "sites:\n  - {1: a}\n")
    assert [(p.line, p.column, p.found) for p in problems] == [(2, 6, "key integer 1")]


# --- encodings, empty and huge files, syntax ----------------------------------------------------


def test_bom_is_handled(tmp_path: Path) -> None:
    doc = read_one(tmp_path, "\ufeffprovince:\n  code: '54'\n".encode())
    assert doc.data == {"province": {"code": "54"}}
    assert doc.mark(("province",), key=True) == (1, 1)
    assert doc.mark(("province", "code")) == (2, 9)


def test_non_utf8_byte_is_located(tmp_path: Path) -> None:
    raw = "province:\n  name: Phú Y".encode() + b"\xean\n"
    docs, problems = read(tmp_path, raw)
    assert docs == []
    assert [str(p) for p in problems] == ["x.yaml:2:14: found byte 0xea that is not UTF-8; expected UTF-8 text"]


def test_non_utf8_byte_at_start(tmp_path: Path) -> None:
    _, problems = read(tmp_path, b"\xff\xfep\x00")
    assert [(p.line, p.column) for p in problems] == [(1, 1)]
    assert "0xff" in problems[0].found


@pytest.mark.parametrize(("content", "found"), [("", "an empty file"), ("\n  \n", "an empty file")])
def test_empty_file(tmp_path: Path, content: str, found: str) -> None:
    docs, problems = read(tmp_path, content)
    assert [(p.line, p.column, p.found) for p in problems] == [(1, 1, found)]
    assert [d.data for d in docs] == [{}], "an empty file holds nothing the other files could miss"


def test_file_with_only_comments(tmp_path: Path) -> None:
    _, problems = read(tmp_path, "# nothing yet\n\n   # still nothing\n")
    assert [(p.line, p.column, p.found) for p in problems] == [(1, 1, "a file with only comments")]


def test_size_limit(tmp_path: Path) -> None:
    content = "sites: []\n"
    docs, problems = read(tmp_path, content, max_bytes=len(content))
    assert problems == []
    assert len(docs) == 1
    docs, problems = read(tmp_path, content, max_bytes=len(content) - 1)
    assert docs == []
    [problem] = problems
    assert (problem.file, problem.line, problem.column) == ("x.yaml", 1, 1)
    assert f"{len(content)} bytes" in problem.found
    assert f"at most {len(content) - 1} bytes" in problem.expected


def test_load_accepts_a_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(MINI)
    largest = max(p.stat().st_size for p in MINI.glob("*.yaml"))
    assert load(".", max_file_bytes=largest).province.code == "54"
    with pytest.raises(InventoryError) as caught:
        load(".", max_file_bytes=largest - 1)
    [problem] = caught.value.problems
    assert problem.line == 1
    assert f"{largest} bytes" in problem.found


def test_syntax_error_is_located(tmp_path: Path) -> None:
    docs, problems = read(tmp_path, "sites:\n  - {name: a, id: 1\n  - {name: b}\n")
    assert docs == []
    [problem] = problems
    assert problem.line == 3
    assert problem.column is not None
    assert "YAML syntax error" in problem.found


def test_tab_indentation(tmp_path: Path) -> None:
    _, problems = read(tmp_path, "sites:\n\t- name: a\n")
    assert [(p.line, p.column) for p in problems] == [(2, 1)]
    assert "tab" in problems[0].found
    assert "spaces" in problems[0].expected


def test_several_documents(tmp_path: Path) -> None:
    _, problems = read(tmp_path, "sites: []\n---\ngateways: []\n")
    assert [(p.line, p.column) for p in problems] == [(2, 1)]
    assert "second YAML document" in problems[0].found
    assert problems[0].expected == "one document per file"


@pytest.mark.parametrize(("content", "found"), [("- a\n", "a list"), ("just text\n", "string 'just text'")])
def test_top_level_must_be_a_mapping(tmp_path: Path, content: str, found: str) -> None:
    docs, problems = read(tmp_path, content)
    assert docs == []
    assert [(p.line, p.column, p.found) for p in problems] == [(1, 1, found)]


def test_top_level_list_with_other_problems_is_not_used(tmp_path: Path) -> None:
    docs, problems = read(tmp_path, "- {a: 1, a: 2}\n")
    assert docs == []
    assert {p.found for p in problems} == {"a list", "duplicate key 'a' (first at line 1)"}


def test_all_files_are_read_and_all_problems_kept(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("sites: [\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_bytes(b"x: \xff\n")
    (tmp_path / "c.yaml").write_text("gateways: []\n", encoding="utf-8")
    (tmp_path / "d.yaml").write_text("", encoding="utf-8")
    names = ["a.yaml", "b.yaml", "c.yaml", "d.yaml"]
    docs, problems = read_documents([tmp_path / n for n in names], displays=names)
    assert [d.file for d in docs] == ["c.yaml", "d.yaml"]
    assert [p.file for p in problems] == ["a.yaml", "b.yaml", "d.yaml"]


# --- finding the files -----------------------------------------------------------------------------


def test_find_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("b.yaml", "a.yml", "sub/c.yaml", "notes.txt", "x.yaml.bak"):
        (tmp_path / name).write_text("x: 1\n", encoding="utf-8")
    files, problems = find_files(tmp_path)
    assert problems == []
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["a.yml", "b.yaml", "sub/c.yaml"]


def test_find_files_one_file(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text("x: 1\n", encoding="utf-8")
    assert find_files(path) == ([path], [])


def test_find_files_missing_path(tmp_path: Path) -> None:
    files, problems = find_files(tmp_path / "nope")
    assert files == []
    assert [p.found for p in problems] == ["no such file or directory"]


def test_find_files_directory_without_yaml(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("hi\n", encoding="utf-8")
    files, problems = find_files(tmp_path)
    assert files == []
    assert [p.found for p in problems] == ["a directory without YAML files"]


@pytest.mark.parametrize(
    "text", ["sites: " + "[" * 200_000 + "]" * 200_000, "a:\n" + "".join(" " * i + "- \n" for i in range(2, 400))]
)
def test_hostile_nesting_is_a_problem_not_a_crash(tmp_path: Path, text: str) -> None:
    # libyaml's composer recurses in C: 50,000 levels used to end the process with SIGSEGV
    _, problems = read(tmp_path, text)
    assert len(problems) == 1
    assert "nesting deeper than 64 levels" in problems[0].found
    assert problems[0].line is not None


def test_ordinary_files_skip_the_exact_depth_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    from infra.inventory import source

    def forbidden(*args: object, **kwargs: object) -> object:
        raise AssertionError("the event walk ran for a shallow file")

    monkeypatch.setattr(yaml, "parse", forbidden)
    assert source._too_deep("sites:\n  - {name: a, devices: [{name: ce1}]}\n") is None
