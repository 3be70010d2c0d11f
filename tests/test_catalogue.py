"""The control catalogue: the shipped data against controls.md, the loader's rules, and its problem reports.

Expectations about the shipped catalogue are parsed from controls.md itself (the research table the
catalogue is made from), not copied from the YAML. controls.md is the shared domain documentation beside the
repository (../shared/docs/controls.md, as CI checks the project out), or HATANG_CONTROLS_MD.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.audit import INSTRUMENTS, CatalogueError, applicable, load_catalogue, references, threshold
from infra.audit.catalogue import Catalogue, Control
from infra.errors import ProblemsError, ToolError

ROOT = Path(__file__).resolve().parents[1]


# --- controls.md ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One row of a controls.md §4 table, as written."""

    id: str
    en: str
    vi: str
    aligns: str
    target: str
    level: str
    check: str


ROW_RE = re.compile(r"^\|\s*((?:INV|HOST|NET|WAN|DC)-\d{2})\s*\|")
TITLE_RE = re.compile(r"^(?P<en>.+?) / \*(?P<vi>.+)\*$")


def _controls_md() -> Path | None:
    for candidate in (os.environ.get("HATANG_CONTROLS_MD"), ROOT.parent / "shared" / "docs" / "controls.md"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def _rows(text: str) -> dict[str, Row]:
    rows: dict[str, Row] = {}
    for line in text.splitlines():
        if not ROW_RE.match(line):
            continue
        # the last cell (how to check) may hold unescaped pipes inside code spans; the others do not
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line, maxsplit=6)[1:]]
        assert len(cells) == 6, line
        cells[5] = cells[5].removesuffix("|").strip()
        title = TITLE_RE.match(cells[1])
        assert title is not None, cells[1]
        en = title["en"].replace("**", "")
        rows[cells[0]] = Row(cells[0], en, title["vi"], cells[2], cells[3], cells[4], cells[5])
    return rows


@pytest.fixture(scope="module")
def rows() -> dict[str, Row]:
    path = _controls_md()
    if path is None:
        pytest.fail("controls.md not found: ../shared/docs/controls.md beside the repository, or HATANG_CONTROLS_MD")
    return _rows(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# --- the shipped catalogue against controls.md ------------------------------------------------------------


def test_shipped_catalogue_loads(catalogue: Catalogue) -> None:
    assert len(catalogue) == 61
    assert {Path(f).name for f in catalogue.files} == {
        "inventory.yaml",
        "linux-host.yaml",
        "network-device.yaml",
        "wan.yaml",
        "datacenter.yaml",
    }


def test_exactly_the_ids_of_controls_md(catalogue: Catalogue, rows: dict[str, Row]) -> None:
    assert len(rows) == 61
    assert set(catalogue.ids()) == set(rows)


def test_family_counts_follow_the_id_prefixes(catalogue: Catalogue, rows: dict[str, Row]) -> None:
    def count(prefix: str) -> int:
        return sum(i.startswith(prefix + "-") for i in rows)

    assert len(catalogue.family("inventory")) == count("INV")
    assert len(catalogue.family("linux-host")) == count("HOST")
    assert len(catalogue.family("network-device")) == count("NET")
    assert len(catalogue.family("wan")) == count("WAN")
    assert len(catalogue.family("datacenter")) == count("DC")


def test_titles_are_those_of_controls_md(catalogue: Catalogue, rows: dict[str, Row]) -> None:
    wrong = [
        (c.id, c.title.en, c.title.vi)
        for c in catalogue
        if (c.title.en, c.title.vi) != (nfc(rows[c.id].en), nfc(rows[c.id].vi))
    ]
    assert wrong == []


def _targets(cell: str) -> set[str]:
    return {re.sub(r"\s*\(.*\)$", "", part.strip()) for part in cell.split("+")}


def test_targets_are_those_of_controls_md(catalogue: Catalogue, rows: dict[str, Row]) -> None:
    wrong = [(c.id, c.target) for c in catalogue if set(c.target) != _targets(rows[c.id].target)]
    assert wrong == []


def test_levels_are_those_of_controls_md(catalogue: Catalogue, rows: dict[str, Row]) -> None:
    for control in catalogue:
        cell = rows[control.id].level
        first = re.match(r"^(\d)", cell)
        assert first is not None, cell
        assert control.applies_from_level == int(first[1]), control.id
        inferred = re.match(r"^\d \[inferred\]", cell) is not None
        assert (control.level_status == "inferred") == inferred, control.id
        recommended = re.search(r"\(recommend(?:ed)? (\d)", cell)
        expected = int(recommended[1]) if recommended else None
        assert control.recommended_from_level == expected, control.id
        if "(" in cell and control.applies_from_level != 5:
            assert control.level_note is not None or control.recommended_from_level is not None, control.id


INSTRUMENT_WORDS = {
    "TT12": "tt12_2022",
    "ND331": "nd331_2026",
    "14423": "tcvn14423_2026",
    "TCVN 11930": "tcvn11930_2017",
    "TT06": "tt06_2026",
    "TT39": "tt39_2017",
    "QĐ 38": "qd38_2021",
    "CV 1149": "cv1149_2022",
    "CT 14": "ct14_2019",
    "IPv6-only programme": "ipv6only_2026",
    "RIPE-690": "ripe690",
    "VNNIC address": "vnnic_ipv6_plan",
    "dev-sec": "devsec",
    "CISC-": "stig",
    "CACI-": "stig",
    "ISO": "iso27001_2022",
    "RFC": "rfc",
    "TIA-942": "tia942b",
    "TT 03/2013": "tt03_2013",
    "QCVN 32": "qcvn32_2020",
    "QCVN 9:": "qcvn9_2016",
    "QCVN 06": "qcvn06_2021",
}


def test_every_instrument_controls_md_cites_is_referenced(catalogue: Catalogue, rows: dict[str, Row]) -> None:
    missing: list[tuple[str, str]] = []
    for control in catalogue:
        aligns = rows[control.id].aligns
        cited = {r.instrument for r in control.references}
        for word, instrument in INSTRUMENT_WORDS.items():
            if word in aligns and instrument not in cited:
                missing.append((control.id, instrument))
        if re.search(r"\bCIS\b", aligns) and not cited & {"cis_debian12", "cis_cisco_ios"}:
            missing.append((control.id, "cis"))
    assert missing == []


def _has_inferred(control: Control) -> bool:
    return (
        control.level_status == "inferred"
        or any(r.status == "inferred" for r in control.references)
        or any(t.status == "inferred" for t in control.thresholds.values())
        or "inferred" in control.evidence_status.values()
    )


def test_inferred_markers_of_controls_md_are_kept(catalogue: Catalogue, rows: dict[str, Row]) -> None:
    row_text = {i: " ".join((r.aligns, r.level, r.check)) for i, r in rows.items()}
    lost = [c.id for c in catalogue if "inferred" in row_text[c.id] and not _has_inferred(c)]
    assert lost == []


def test_every_control_is_complete(catalogue: Catalogue) -> None:
    for control in catalogue:
        assert control.title.en
        assert control.title.vi
        assert any(not ch.isascii() for ch in control.title.vi), control.id  # written with its diacritics
        assert control.target
        assert control.engine
        assert 1 <= control.applies_from_level <= 5
        assert control.references
        assert control.check


@pytest.mark.parametrize("baseline", ["tcvn11930_2017", "tcvn14423_2026"])
def test_every_control_has_references_under_either_baseline(catalogue: Catalogue, baseline: str) -> None:
    assert [c.id for c in catalogue if not references(c, baseline)] == []  # type: ignore[arg-type]


def test_facility_controls_are_checked_on_evidence(catalogue: Catalogue) -> None:
    for control in catalogue:
        if "datacenter-facility" in control.target:
            assert "evidence" in control.engine, control.id
        if control.target == ["linux-host"]:
            assert control.engine == ["testinfra"], control.id


# --- spot checks against the text of controls.md ----------------------------------------------------------


def test_spot_levels(catalogue: Catalogue) -> None:
    assert catalogue.get("HOST-15").applies_from_level == 3
    assert catalogue.get("HOST-15").recommended_from_level == 1
    assert catalogue.get("HOST-09").applies_from_level == 1
    assert catalogue.get("DC-05").applies_from_level == 5
    assert catalogue.get("NET-13").level_status == "inferred"
    assert "mandatory from level 2" in (catalogue.get("HOST-08").level_note or "")


def test_spot_thresholds(catalogue: Catalogue) -> None:
    host05 = catalogue.get("HOST-05")
    assert [threshold(host05, "minlen", level) for level in range(1, 6)] == [14] * 5
    assert threshold(host05, "minlen_with_mfa", 1) == 8
    assert host05.thresholds["minclass"].status == "inferred"
    host06 = catalogue.get("HOST-06")
    assert threshold(host06, "deny", 1) == 5
    assert threshold(host06, "unlock_time", 1) == 900
    host03 = catalogue.get("HOST-03")
    assert threshold(host03, "clientaliveinterval", 1) == 300
    assert host03.thresholds["ssh_idle_session_max"].status == "inferred"
    assert threshold(catalogue.get("WAN-02"), "utilisation_p95", 1) == 90
    assert threshold(catalogue.get("DC-05"), "dr_distance", 5) == 30


def test_threshold_in_force_is_the_highest_step_not_above_the_level(catalogue: Catalogue) -> None:
    inv05 = catalogue.get("INV-05")
    assert [threshold(inv05, "vuln_scan_max_age", level) for level in range(1, 6)] == [365, 365, 183, 183, 92]
    assert [threshold(inv05, "pentest_max_age", level) for level in range(1, 6)] == [None, None, None, 365, 183]
    host05 = catalogue.get("HOST-05")
    assert [threshold(host05, "password_history", level) for level in range(1, 6)] == [None, None, 10, 10, 10]
    host16 = catalogue.get("HOST-16")
    assert [threshold(host16, "log_retention", level) for level in range(1, 6)] == [None, 30, 90, 180, 365]


def test_threshold_values_keep_their_types(catalogue: Catalogue) -> None:
    assert threshold(catalogue.get("HOST-05"), "encrypt_method", 1) == ("YESCRYPT", "SHA512")
    assert threshold(catalogue.get("HOST-09"), "icmpv6_types_accepted", 1) == (1, 2, 3, 4, 133, 134, 135, 136)
    sysctl = threshold(catalogue.get("HOST-10"), "sysctl", 1)
    assert isinstance(sysctl, dict)
    assert sysctl["net.ipv4.tcp_syncookies"] == 1
    assert threshold(catalogue.get("HOST-13"), "clock_offset_max", 1) == 0.5
    assert threshold(catalogue.get("HOST-21"), "tls_min_version", 1) == "1.2"


def test_threshold_errors(catalogue: Catalogue) -> None:
    host05 = catalogue.get("HOST-05")
    with pytest.raises(KeyError, match="did you mean 'minlen'"):
        threshold(host05, "minlenn", 3)
    with pytest.raises(ValueError, match="from 1 to 5"):
        threshold(host05, "minlen", 6)


def test_applicable(catalogue: Catalogue) -> None:
    host15 = catalogue.get("HOST-15")
    assert [applicable(host15, level) for level in range(1, 6)] == [False, False, True, True, True]
    assert all(applicable(catalogue.get("HOST-09"), level) for level in range(1, 6))
    with pytest.raises(ValueError, match="from 1 to 5"):
        applicable(host15, 0)
    with pytest.raises(ValueError, match="from 1 to 5"):
        applicable(host15, True)


def test_get_names_the_closest_id(catalogue: Catalogue) -> None:
    assert "HOST-15" in catalogue
    with pytest.raises(KeyError, match="did you mean 'HOST-15'"):
        catalogue.get("HOST-5")


def test_baseline_selects_legacy_or_current_references(catalogue: Catalogue) -> None:
    host15 = catalogue.get("HOST-15")
    legacy = {r.instrument for r in references(host15, "tcvn11930_2017")}
    current = {r.instrument for r in references(host15, "tcvn14423_2026")}
    assert {"tt12_2022", "tcvn11930_2017"} <= legacy
    assert not legacy & {"tcvn14423_2026", "nd331_2026"}
    assert {"tcvn14423_2026", "nd331_2026"} <= current
    assert not current & {"tt12_2022", "tcvn11930_2017"}
    assert {"tt06_2026", "cis_debian12", "iso27001_2022"} <= legacy & current
    with pytest.raises(ValueError, match="baseline"):
        references(host15, "tcvn9999")  # type: ignore[arg-type]


def test_no_reference_claims_more_than_was_read(catalogue: Catalogue) -> None:
    for control in catalogue:
        for ref in control.references:
            if ref.instrument == "tcvn14423_2026":  # only a third-party paraphrase was read
                assert ref.status in ("third-party", "inferred"), control.id
            if ref.instrument == "iso27001_2022":  # alignments, no text read
                assert ref.status == "inferred", control.id


def test_docs_list_every_instrument() -> None:
    text = (ROOT / "docs" / "catalogue.md").read_text(encoding="utf-8")
    assert [i for i in INSTRUMENTS if f"`{i}`" not in text] == []


# --- the loader's rules and problem reports ---------------------------------------------------------------

GOOD = """\
  - id: HOST-01
    title: {en: One, vi: Một}
    target: [linux-host]
    engine: [testinfra]
    applies_from_level: 2
    thresholds:
      minlen:
        op: min
        status: third-party
        source: tcvn14423_2026
        steps:
          - {level: 2, value: 14}
          - {level: 4, value: 16}
    references:
      - {instrument: tcvn14423_2026, clause: "x.6.2.2", status: third-party}
      - {instrument: tcvn11930_2017, clause: "6.2.2.1", status: read}
    check: Read pwquality.conf.
"""


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def problems_of(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int | None, str, str, str]]:
    with pytest.raises(CatalogueError) as err:
        load_catalogue(write(tmp_path, files))
    return [(Path(p.file or "").name, p.line, p.path, p.found, p.expected) for p in err.value.problems]


def test_a_small_catalogue_loads(tmp_path: Path) -> None:
    catalogue = load_catalogue(write(tmp_path, {"h.yaml": "family: linux-host\ncontrols:\n" + GOOD}))
    control = catalogue.get("HOST-01")
    assert control.family == "linux-host"
    assert [threshold(control, "minlen", level) for level in range(1, 6)] == [None, 14, 14, 16, 16]
    assert [r.instrument for r in references(control, "tcvn11930_2017")] == ["tcvn11930_2017"]


BAD_ONE = """\
family: linux-host
controls:
  - id: HOST-01
    title: {en: One}
    target: [linux-host]
    engine: [testinfra]
    applies_from_level: 7
    references:
      - {instrument: tt12_2022, status: verified}
    check: x
"""

BAD_TWO = """\
family: linux-host
controls:
  - id: HOST-02
    title: {en: Two, vi: Hai}
    target: [linux-host]
    engine: [testinfra]
    applies_from_level: 1
    references:
      - {instrument: tt12_2022, status: read}
    check: x
  - id: HOST-01
    title: {en: Again, vi: Lại}
    target: [linux-host]
    engine: [testinfra]
    applies_from_level: 1
    references:
      - {instrument: tt12_2022, status: read}
    check: x
"""


def test_every_problem_of_every_file_in_one_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError) as err:
        load_catalogue(write(tmp_path, {"a.yaml": BAD_ONE, "b.yaml": BAD_TWO}))
    problems = err.value.problems
    assert isinstance(err.value, ProblemsError)
    assert isinstance(err.value, ToolError)
    assert str(err.value) == "the control catalogue has 4 problems"
    got = [(Path(p.file or "").name, p.line, p.path) for p in problems]
    assert got == [
        ("a.yaml", 4, "controls[0].title.vi"),
        ("a.yaml", 7, "controls[0].applies_from_level"),
        ("a.yaml", 9, "controls[0].references[0].status"),
        ("b.yaml", 11, "controls[1].id"),
    ]
    missing_vi, level, status, duplicate = problems
    assert (missing_vi.found, missing_vi.expected) == ("nothing", "the required key 'vi'")
    assert (level.found, level.expected) == ("integer 7", "a value of at most 5")
    assert status.found == "string 'verified'"
    assert "'read'" in status.expected
    assert "'inferred'" in status.expected
    assert duplicate.found.startswith("a second control HOST-01 (first at ")
    assert duplicate.found.endswith("a.yaml:3)")
    assert all(re.match(r"^\S+\.yaml:\d+:\d+: ", str(p)) for p in problems)


def test_a_duplicate_id_is_found_even_in_an_invalid_control(tmp_path: Path) -> None:
    twin = BAD_ONE.replace("family: linux-host\ncontrols:\n", "")
    found = problems_of(tmp_path, {"a.yaml": BAD_ONE + twin})
    assert ("a.yaml", 11, "controls[1].id") in [f[:3] for f in found]


def test_unknown_instrument_names_the_closest(tmp_path: Path) -> None:
    text = "family: linux-host\ncontrols:\n" + GOOD.replace("instrument: tcvn11930_2017", "instrument: tcvn11930")
    [(_, line, path, found, expected)] = problems_of(tmp_path, {"h.yaml": text})
    assert (line, path, found) == (18, "controls[0].references[1].instrument", "string 'tcvn11930'")
    assert expected.endswith("(did you mean 'tcvn11930_2017'?)")


STEPS = "thresholds.minlen.steps"


@pytest.mark.parametrize(
    ("old", "new", "path", "expected"),
    [
        ("{level: 2, value: 14}", "{level: 1, value: 14}", f"{STEPS}[0].level", "at least 2"),
        ("{level: 4, value: 16}", "{level: 6, value: 16}", f"{STEPS}[1].level", "at most 5"),
        ("{level: 4, value: 16}", "{level: 2, value: 16}", STEPS, "increasing"),
        ("value: 16}", "value: sixteen}", f"{STEPS}[1].value", "a number (op min)"),
        ("status: third-party\n        source", "status: read\n        source", "thresholds.minlen.status", "at most"),
        ('clause: "x.6.2.2", status: third-party', "status: read", "references[0].status", "at most third-party"),
        ("source: tcvn14423_2026", "source: devsec", "thresholds.minlen.source", "in references"),
        ("id: HOST-01", "id: NET-01", "id", "an id starting HOST- in a linux-host file"),
        ("id: HOST-01", "id: HOST-1", "id", "an id such as HOST-05"),
        ("check: Read pwquality.conf.", "check: x\n    recommended_from_level: 2", "recommended_from_level", "below"),
        ("engine: [testinfra]", "engine: [pytest]", "engine[0]", "'testinfra'"),
        ("target: [linux-host]", "target: []", "target", "at least 1 item"),
        ("check: Read pwquality.conf.", "check: Read.\n    family: linux-host", "family", "one of the keys"),
        ("vi: Một", "vi: '  '", "title.vi", "a non-empty text"),
        ("op: min", "op: at-most", "thresholds.minlen.op", "'max'"),
        ("minlen:", "MinLen:", "thresholds.MinLen", "lower_snake_case"),
    ],
)
def test_each_rule_is_reported_where_it_is_broken(tmp_path: Path, old: str, new: str, path: str, expected: str) -> None:
    text = "family: linux-host\ncontrols:\n" + GOOD
    assert old in text
    found = problems_of(tmp_path, {"h.yaml": text.replace(old, new, 1)})
    assert [(p, expected in e) for _, _, p, _, e in found] == [(f"controls[0].{path}", True)], found


def test_the_file_header_is_checked(tmp_path: Path) -> None:
    found = problems_of(tmp_path, {"h.yaml": "family: linux\ncontrols: []\n", "e.yaml": ""})
    assert [(f, line, p) for f, line, p, _, _ in found] == [
        ("e.yaml", 1, ""),
        ("h.yaml", 1, "family"),
        ("h.yaml", 2, "controls"),
    ]
    assert found[0][4] == "a mapping with the keys family and controls"


def test_a_missing_directory_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError) as err:
        load_catalogue(tmp_path / "nowhere")
    [problem] = err.value.problems
    assert (problem.found, problem.expected) == ("no such file or directory", "a catalogue file or directory")


def test_titles_are_normalised_to_nfc(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Một")
    text = "family: linux-host\ncontrols:\n" + GOOD.replace("vi: Một", f"vi: {decomposed}")
    control = load_catalogue(write(tmp_path, {"h.yaml": text})).get("HOST-01")
    assert control.title.vi == "Một"
