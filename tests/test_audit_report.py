"""The audit reports: audit.json against its schema, JUnit against its XSD, the Markdown summary, the HTML reports,
and IPv6 readiness computed by hand on a small inventory."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest
import xmlschema
from conftest import mini_data, write_files

from infra.audit import Catalogue, load_catalogue
from infra.audit.model import (
    STATUSES,
    AuditRun,
    Evidence,
    Finding,
    Item,
    RunInfo,
    Status,
    TargetError,
    TargetKind,
    WaiverRef,
)
from infra.audit.report import (
    JSON_SCHEMA,
    JUNIT_SCHEMA,
    ReportError,
    i18n,
    ipv6_readiness,
    junit_xml,
    run_problems,
    write_reports,
)
from infra.audit.report.common import Lang
from infra.audit.report.ipv6 import Part, score
from infra.audit.scope import agencies, site_agencies, system_agencies
from infra.errors import ToolError
from infra.inventory import Inventory, load
from infra.plan import AddressPlan, make_plan
from infra.render.ansible import served_systems

REPO = Path(__file__).resolve().parents[1]
TAKEN = "2026-11-22T10:16:05Z"
SCRIPT = "<script>alert('xss')</script>"
BANNER = f"Cảnh báo: hệ thống của Sở TT&TT — truy cập trái phép bị xử lý theo pháp luật. {SCRIPT} <b>&amp;</b>"
RAW = b"\xff\xfe binary \x1b[31mred\x1b[0m".decode("utf-8", "surrogateescape")


# --- a realistic run over the sample inventory --------------------------------------------------------------


class RunBuilder:
    """Findings and evidence for a run, with the agencies each target serves taken from the inventory."""

    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.served = served_systems(inv)
        self.findings: list[Finding] = []
        self.evidence: dict[str, Evidence] = {}

    def proof(self, target: str, source: str, text: str, rc: int | None = 0) -> str:
        n = sum(1 for e in self.evidence.values() if e.target == target) + 1
        ev = Evidence(f"{target}:{n}", target, source, TAKEN, Evidence.digest(text), text, rc)
        self.evidence[ev.id] = ev
        return ev.id

    def host(self, control: str, host: str, status: Status, summary: str = "", **kw: Any) -> Finding:
        systems = tuple(sorted(self.served.get(host, set())))
        level = max((self.inv.systems[s].level for s in systems), default=1)
        return self._add(
            Finding(
                control=control,
                kind="host",
                target=host,
                status=status,
                level=level,
                summary=summary,
                site=self.inv.hosts[host].site,
                systems=systems,
                agencies=system_agencies(self.inv, systems),
                **kw,
            )
        )

    def device(self, control: str, device: str, source: str, status: Status, summary: str = "", **kw: Any) -> Finding:
        dev = self.inv.devices[device]
        return self._add(
            Finding(
                control=control,
                kind="device",
                target=device,
                status=status,
                level=kw.pop("level", 1),
                summary=summary,
                site=dev.site,
                source=source,
                agencies=site_agencies(self.inv, dev.site, ()),
                **kw,
            )
        )

    def other(self, control: str, kind: TargetKind, target: str, status: Status, summary: str, **kw: Any) -> Finding:
        return self._add(Finding(control=control, kind=kind, target=target, status=status, summary=summary, **kw))

    def _add(self, f: Finding) -> Finding:
        self.findings.append(f)
        return f


def sample_run(inv: Inventory) -> AuditRun:
    """A run over the sample inventory with every status, waivers in force and expired, an unreachable host,
    Vietnamese evidence with HTML special characters, and raw bytes in one evidence text."""
    b = RunBuilder(inv)
    sshd = b.proof("portal-web-01", "sshd -T", f"banner /etc/issue.net\nmaxauthtries 3\n# {BANNER}\n")
    b.host(
        "HOST-03",
        "portal-web-01",
        "pass",
        items=(Item("maxauthtries", "pass", "3", "at most 4", "max 4 (level 3)"),),
        evidence=(sshd,),
        duration=0.012,
    )
    weak = b.proof("dns-res-01", "sshd -T", "maxauthtries 6\nclientaliveinterval 0\n")
    b.host(
        "HOST-03",
        "dns-res-01",
        "fail",
        "maxauthtries: observed 6, expected at most 4 <sshd_config>",
        items=(
            Item("maxauthtries", "fail", "6", "at most 4", "max 4 (level 3)"),
            Item("clientaliveinterval", "fail", "0", "between 1 and 600 s", "max 600"),
        ),
        evidence=(weak,),
        duration=0.01,
    )
    rsyslog = b.proof("portal-web-01", "cat /etc/rsyslog.d/90-hatang.conf", "# chưa cấu hình chuyển tiếp\n")
    b.host(
        "HOST-15",
        "portal-web-01",
        "waived",
        "no forwarding to the SOC collectors",
        items=(Item("forwarding", "fail", "nothing", "soc-log-01, soc-log-02 over TLS on 6514"),),
        evidence=(rsyslog,),
        checked_status="fail",
        waiver=WaiverRef(
            "Bộ thu nhật ký SOC của tỉnh đưa vào vận hành tháng 3; nhật ký lưu trên máy đến khi đó.",
            "2027-03-31",
            "Giám đốc Sở KH&CN",
            False,
        ),
    )
    nft = b.proof("qlvb-app-01", "nft list ruleset", "table inet filter {\n  chain input { policy accept; }\n}\n")
    b.host(
        "HOST-09",
        "qlvb-app-01",
        "fail",
        "input policy accept, expected drop",
        items=(Item("input policy", "fail", "accept", "drop"),),
        evidence=(nft,),
        waiver=WaiverRef("The old document system is replaced this year; its firewall stays.", "2026-01-31", "", True),
    )
    raw = b.proof("qlvb-app-02", "cat /var/log/hatang-probe.bin", RAW, rc=1)
    b.host("HOST-02", "qlvb-app-02", "error", "command failed (exit 1)", evidence=(raw,))
    b.host("HOST-17", "portal-web-01", "manual", "EDR presence needs the vendor console's evidence")
    b.host(
        "HOST-21",
        "dvc-web-01",
        "warn",
        "certificate expires in 20 days",
        items=(Item("certificate", "warn", "expires 2026-12-12", "valid for 30 days or more"),),
    )
    for host in ("portal-web-01", "portal-web-02"):
        ss = b.proof(host, "ss -Hltn", "LISTEN 0 511 0.0.0.0:443 0.0.0.0:*\nLISTEN 0 511 [::]:443 [::]:*\n")
        b.host(
            "HOST-12", host, "pass", items=(Item("443/tcp", "pass", "IPv4 and IPv6", "IPv4 and IPv6"),), evidence=(ss,)
        )
    cfg = b.proof(
        "dc-chinh-wan1", "running:dc-chinh-wan1", "ipv6 unicast-routing\ninterface eth0\n ipv6 nd ra suppress all\n"
    )
    b.device("NET-12", "dc-chinh-wan1", "running", "pass", evidence=(cfg,), level=4)
    b.device("WAN-05", "dc-chinh-wan1", "intended", "pass", level=4)
    ce = b.proof(
        "so-noi-vu-ce1", "running:so-noi-vu-ce1", "interface GigabitEthernet0/0\n ip address 10.0.0.1 255.255.255.254\n"
    )
    b.device("WAN-05", "so-noi-vu-ce1", "running", "fail", "no IPv6 address on the TSLCD interface", evidence=(ce,))
    b.device("NET-01", "thanh-pho-tuy-hoa-ce1", "intended", "pass")
    b.other("INV-07", "system", "dvc-web", "pass", "AAAA and TLS over IPv6", level=3, systems=("dvc",))
    b.other("INV-07", "system", "motcua-web", "fail", "no AAAA record", level=3, systems=("dvc",))
    b.other("INV-07", "system", "qlvb-web", "manual", "internal name; needs a probe inside MTSLCD", level=3)
    b.other(
        "DC-05", "inventory", "inventory", "not-applicable", "applies from level 5; the highest level is 4", level=4
    )
    info = RunInfo(
        id="20261122T101500Z-pyen",
        started="2026-11-22T10:15:00Z",
        finished="2026-11-22T10:17:42Z",
        operator="kiemtra@may-kiem-tra",
        tool="hatang 0.1.0",
        command="hatang audit --inventory inventory --baseline tcvn14423_2026 --waivers waivers.yaml --lab",
        inventory="inventory",
        inventory_sha256=inv.digest,
        catalogue_sha256=hashlib.sha256(b"catalogue").hexdigest(),
        baseline="tcvn14423_2026",
        level=None,
        lab=True,
        waivers="waivers.yaml",
        waivers_sha256=hashlib.sha256(b"waivers").hexdigest(),
    )
    errors = [
        TargetError("host", "dns-auth-01", "ssh: connect to host 2001:db8:5410:1110::1f port 22: No route to host")
    ]
    return AuditRun(info, b.findings, b.evidence, errors, agencies(inv))


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return load(REPO / "inventory")


@pytest.fixture(scope="module")
def plan(inv: Inventory) -> AddressPlan:
    return make_plan(inv)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def run(inv: Inventory) -> AuditRun:
    return sample_run(inv)


@pytest.fixture(scope="module")
def written(
    tmp_path_factory: pytest.TempPathFactory, run: AuditRun, inv: Inventory, plan: AddressPlan, catalogue: Catalogue
) -> dict[str, Path]:
    return write_reports(run, inv, plan, catalogue, tmp_path_factory.mktemp("reports") / run.info.id)


@pytest.fixture(scope="module")
def document(written: dict[str, Path]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(written["json"].read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(JSON_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_the_sample_run_has_every_status(run: AuditRun) -> None:
    assert all(n > 0 for n in run.counts().values()), run.counts()


def test_every_report_is_written(written: dict[str, Path]) -> None:
    names = {kind: path.name for kind, path in written.items()}
    assert names == {
        "json": "audit.json",
        "junit": "junit.xml",
        "markdown": "summary.md",
        "html-vi": "report.vi.html",
        "html-en": "report.en.html",
    }
    assert all(p.stat().st_size > 0 for p in written.values())
    assert not [p for p in next(iter(written.values())).parent.iterdir() if p.name.startswith(".")]  # no temp left


# --- audit.json ---------------------------------------------------------------------------------------------


def test_the_json_validates_against_its_schema(document: dict[str, Any], validator: Any) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


def test_the_json_keeps_every_evidence_record_whole(document: dict[str, Any], run: AuditRun) -> None:
    records = {e["id"]: e for e in document["evidence"]}
    assert set(records) == set(run.evidence)
    for ev in run.evidence.values():
        record = records[ev.id]
        assert record["text"] == ev.text  # raw bytes too: written as \udcXX escapes, read back exactly
        assert Evidence.digest(record["text"]) == record["sha256"] == ev.sha256
        assert (record["taken"], record["source"], record["rc"]) == (ev.taken, ev.source, ev.rc)
    cited = {e for f in document["findings"] for e in f["evidence"]}
    assert cited <= set(records)


def test_the_json_holds_the_run_counts_findings_and_errors(document: dict[str, Any], run: AuditRun) -> None:
    assert document["run"]["inventory_sha256"] == run.info.inventory_sha256
    assert document["run"]["baseline"] == "tcvn14423_2026"
    assert document["counts"] == run.counts()
    assert document["result"] == {"failed": True, "errored": True}
    assert len(document["findings"]) == len(run.findings)
    waived = [f for f in document["findings"] if f["status"] == "waived"]
    assert waived[0]["checked_status"] == "fail"
    assert waived[0]["waiver"]["expires"] == "2027-03-31"
    assert document["errors"] == [{"kind": "host", "target": "dns-auth-01", "reason": run.errors[0].reason}]
    ids = [c["id"] for c in document["controls"]]
    assert "HOST-03" in ids
    host03 = next(c for c in document["controls"] if c["id"] == "HOST-03")
    assert host03["title"]["vi"] == "Giới hạn phiên SSH, tự khóa phiên"
    assert all(r["instrument"] not in ("nd85_2016", "tt12_2022", "tcvn11930_2017") for r in host03["references"])


def _broken(document: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    copied = copy.deepcopy(document)
    change(copied)
    return copied


BREAKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "an unknown status": lambda d: d["findings"][0].update(status="passed"),
    "a hash that is not SHA-256 hex": lambda d: d["evidence"][0].update(sha256="ABC123"),
    "an upper-case hash": lambda d: d["run"].update(inventory_sha256=d["run"]["inventory_sha256"].upper()),
    "a time without a zone": lambda d: d["evidence"][0].update(taken="2026-11-22 10:16:05"),
    "an impossible date-time": lambda d: d["run"].update(started="2026-13-45T10:00:00Z"),
    "a waiver date that is not a date": lambda d: next(f for f in d["findings"] if f["waiver"])["waiver"].update(
        expires="next March"
    ),
    "an unknown key": lambda d: d["findings"][0].update(comment="extra"),
    "a missing key": lambda d: d["run"].pop("operator"),
    "an unknown baseline": lambda d: d["run"].update(baseline="iso27001"),
    "a level of 6": lambda d: d["findings"][0].update(level=6),
    "a count of a status that does not exist": lambda d: d["counts"].update(ok=1),
    "a score above 100": lambda d: next(iter(d["ipv6"].values())).update(score=101),
}


@pytest.mark.parametrize("what", BREAKS)
def test_a_broken_json_does_not_validate(document: dict[str, Any], validator: Any, what: str) -> None:
    assert next(validator.iter_errors(_broken(document, BREAKS[what])), None) is not None, what


# --- junit.xml ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(JUNIT_SCHEMA))


def test_junit_validates_against_the_xsd(written: dict[str, Path], junit_schema: xmlschema.XMLSchema) -> None:
    junit_schema.validate(str(written["junit"]))


def test_junit_counts_equal_the_findings(written: dict[str, Path], run: AuditRun) -> None:
    root = ET.parse(written["junit"]).getroot()
    n = run.counts()
    expected = {
        "tests": len(run.findings) + len(run.errors),
        "failures": n["fail"],
        "errors": n["error"] + len(run.errors),
        "skipped": n["not-applicable"] + n["waived"] + n["manual"],
    }
    assert {k: int(root.attrib[k]) for k in expected} == expected
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.attrib["tests"]) == len(cases)
        assert int(suite.attrib["failures"]) == sum(1 for c in cases if c.find("failure") is not None)
        assert int(suite.attrib["errors"]) == sum(1 for c in cases if c.find("error") is not None)
        assert int(suite.attrib["skipped"]) == sum(1 for c in cases if c.find("skipped") is not None)
    suites = [s.attrib["name"] for s in root.iter("testsuite")]
    assert suites == ["inventory", "linux-host", "network-device", "wan", "datacenter", "targets"]


def test_junit_cases_name_the_control_and_the_target(written: dict[str, Path]) -> None:
    root = ET.parse(written["junit"]).getroot()
    cases = {(c.attrib["classname"], c.attrib["name"]): c for c in root.iter("testcase")}
    fail = cases[("HOST-03 SSH and shell session limits", "dns-res-01")]
    failure = fail.find("failure")
    assert failure is not None
    assert failure.attrib["message"] == "maxauthtries: observed 6, expected at most 4 <sshd_config>"
    assert "maxauthtries: fail; observed 6; expected at most 4" in (failure.text or "")
    assert ("WAN-05 Dual-stack on the WAN", "so-noi-vu-ce1 [running]") in cases
    tls = next(c for (k, _), c in cases.items() if k.startswith("HOST-21"))
    assert "." not in tls.attrib["classname"]  # "TLS ≥ 1.2": no dot for Jenkins to read as a package
    waived = cases[("HOST-15 Forward logs to the provincial SOC/SIEM", "portal-web-01")].find("skipped")
    assert waived is not None
    assert waived.attrib["message"].startswith("waived until 2027-03-31, approved by Giám đốc Sở KH&CN")
    unreachable = cases[("target host", "dns-auth-01")].find("error")
    assert unreachable is not None
    assert "No route to host" in unreachable.attrib["message"]


def test_the_junit_xsd_rejects_a_broken_file(written: dict[str, Path], junit_schema: xmlschema.XMLSchema) -> None:
    text = written["junit"].read_text(encoding="utf-8")
    broken = re.sub(r'tests="\d+"', 'tests="many"', text, count=1)
    assert not junit_schema.is_valid(broken)
    assert not junit_schema.is_valid(text.replace("<skipped message=", '<skipped reason="x" message=', 1))
    assert not junit_schema.is_valid(text.replace("<properties>", "<props /><properties>", 1))


def test_junit_carries_no_character_xml_forbids(run: AuditRun, catalogue: Catalogue) -> None:
    text = junit_xml(run, catalogue)
    assert "\x1b" not in text
    ET.fromstring(text.split("\n", 1)[1])


# --- summary.md ---------------------------------------------------------------------------------------------


def test_the_markdown_lists_failing_controls_errors_and_waivers(written: dict[str, Path]) -> None:
    md = written["markdown"].read_text(encoding="utf-8")
    assert md.startswith("## hatang audit `20261122T101500Z-pyen`: **FAIL**")
    failing = md.split("### Failing (", 1)[1].split("###", 1)[0]
    assert "- **HOST-03** SSH and shell session limits — `dns-res-01`: maxauthtries: observed 6" in failing
    assert "\\<sshd\\_config\\>" in failing  # markup escaped, not interpreted
    assert "`so-noi-vu-ce1 [running]`" in failing
    assert "HOST-09" in failing  # an expired waiver waives nothing
    errors = md.split("### Could not be examined (", 1)[1].split("###", 1)[0]
    assert "host `dns-auth-01`: ssh: connect to host" in errors
    assert "HOST-02" in errors
    waivers = md.split("### Waivers (", 1)[1]
    assert "until 2027-03-31, approved by Giám đốc Sở KH&CN" in waivers
    assert "**expired 2026-01-31** (waives nothing)" in waivers
    level_table = md.split("### By security level", 1)[1].split("<details>", 1)[0]
    assert "| level | pass | fail | warn | not-applicable | waived | manual | error | total |" in level_table
    assert "| Sở Nội vụ (so-noi-vu) |" in md


# --- HTML ---------------------------------------------------------------------------------------------------


class Page(HTMLParser):
    """The parts of an HTML page the tests look at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.append((tag, dict(attrs)))
        if tag == "html":
            self.lang = dict(attrs).get("lang")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def page(path: Path) -> tuple[str, Page]:
    html = path.read_text(encoding="utf-8")
    parsed = Page()
    parsed.feed(html)
    return html, parsed


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_html_is_self_contained_and_escaped(written: dict[str, Path], lang: str) -> None:
    html, parsed = page(written[f"html-{lang}"])
    assert parsed.lang == lang
    assert "script" not in parsed.tags  # no script at all, and the one in the evidence is text
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html
    assert SCRIPT in "".join(parsed.text)  # shown, as text
    for tag, attrs in parsed.attrs:
        for name in ("src", "href"):
            value = attrs.get(name)
            assert value is None or value.startswith("#") or value == "data:,", (tag, name, value)
    ids = [a["id"] or "" for _, a in parsed.attrs if a.get("id")]
    assert len(ids) == len(set(ids))
    hrefs = [a.get("href") or "" for t, a in parsed.attrs if t == "a"]
    links = {h[1:] for h in hrefs if h.startswith("#")}
    assert links <= set(ids)


STATUS_WORDS = {
    "vi": ["Đạt", "Không đạt", "Cảnh báo", "Không áp dụng", "Được miễn trừ", "Cần đánh giá thủ công", "Lỗi"],
    "en": ["Pass", "Fail", "Warning", "Not applicable", "Waived", "Manual review", "Error"],
}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_html_speaks_its_language(
    written: dict[str, Path], run: AuditRun, catalogue: Catalogue, lang: Lang
) -> None:
    _, parsed = page(written[f"html-{lang}"])
    text = " ".join(" ".join(parsed.text).split())
    for word in STATUS_WORDS[lang]:
        assert word in text, word
    host03 = catalogue.get("HOST-03")
    assert (host03.title.vi if lang == "vi" else host03.title.en) in text
    other: Lang = "en" if lang == "vi" else "vi"
    assert i18n.label("controls", other) not in text
    refs = {"vi": ["đã đọc", "bên thứ ba", "chỉ tên"], "en": ["read", "third-party", "title only"]}[lang]
    assert all(r in text for r in refs)
    expired = {"vi": "ĐÃ HẾT HẠN", "en": "EXPIRED"}[lang]
    assert expired in text
    assert "Giám đốc Sở KH&CN" in text
    assert run.info.inventory_sha256 in text
    ev = run.evidence["dns-res-01:1"]
    assert ev.sha256 in text
    assert "Sở Nội vụ" in text  # the agency table
    assert {"vi": "chỉ theo quy hoạch", "en": "plan only"}[lang] in text  # scores no finding supports say so
    assert {"vi": "Cấp độ ≥ 1: tối đa 4", "en": "Level ≥ 1: at most 4"}[lang] in text  # HOST-03 maxauthtries


def test_the_html_lists_every_control_in_catalogue_order(written: dict[str, Path], catalogue: Catalogue) -> None:
    html = written["html-en"].read_text(encoding="utf-8")
    positions = [html.index(f'<article class="control" id="c-{cid}">') for cid in catalogue.ids()]
    assert positions == sorted(positions)
    # a failing finding is unfolded; a passing one folded
    assert re.search(r'<details class="finding st-fail" open>\s*<summary><span class="badge st-fail">✘ Fail', html)
    assert re.search(r'<details class="finding st-pass">', html)


# --- consistency ---------------------------------------------------------------------------------------------


def test_a_run_that_contradicts_itself_is_refused(
    run: AuditRun, inv: Inventory, plan: AddressPlan, catalogue: Catalogue, tmp_path: Path
) -> None:
    ev = run.evidence["dns-res-01:1"]
    altered = dataclasses.replace(ev, text=ev.text + "maxauthtries 3\n")
    bad = AuditRun(
        dataclasses.replace(run.info, baseline="iso27001"),
        [*run.findings, dataclasses.replace(run.findings[0], control="HOST-99", evidence=("nowhere:1",))],
        {**run.evidence, ev.id: altered},
        run.errors,
        run.agencies,
    )
    problems = run_problems(bad, catalogue)
    assert problems == [
        "baseline 'iso27001' is not one of tcvn11930_2017, tcvn14423_2026",
        f"evidence 'dns-res-01:1': its text does not match its SHA-256 {ev.sha256}",
        "finding HOST-99 on portal-web-01: no control 'HOST-99' in the catalogue",
        "finding HOST-99 on portal-web-01: no evidence 'nowhere:1' in the run",
    ]
    with pytest.raises(ReportError) as err:
        write_reports(bad, inv, plan, catalogue, tmp_path / "out")
    assert isinstance(err.value, ToolError)
    assert not (tmp_path / "out").exists()


def test_an_unwritable_folder_is_a_report_error(
    run: AuditRun, inv: Inventory, plan: AddressPlan, catalogue: Catalogue, tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(ReportError, match="cannot write the reports into"):
        write_reports(run, inv, plan, catalogue, tmp_path / "file" / "run")


def test_every_label_has_both_languages() -> None:
    for table in (i18n.LABELS, i18n.STATUS, i18n.VERIFICATION, i18n.VERIFICATION_MEANING, i18n.KIND, i18n.FAMILY):
        for key, texts in table.items():
            assert set(texts) == {"vi", "en"}, key
            assert all(t.strip() for t in texts.values()), key
    assert set(i18n.STATUS) == set(STATUSES)
    from infra.audit.catalogue import INSTRUMENTS, Op

    assert set(i18n.INSTRUMENT_VI) == set(INSTRUMENTS)
    assert set(i18n.OP) == set(get_args(Op))


# --- IPv6 readiness, by hand on the mini inventory -------------------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Inventory, AddressPlan]:
    """The mini inventory, with an IPv4-only camera VLAN at tp-tuy-hoa."""
    data = mini_data()
    sites = data["sites.yaml"]["sites"]
    tp = next(s for s in sites if s["name"] == "tp-tuy-hoa")
    tp["vlans"] = [
        {"name": "cam", "id": 50, "index": 5, "role": "camera", "ipv4": {"prefix": 28, "index": 9}, "ipv6": False}
    ]
    inv = load(write_files(tmp_path_factory.mktemp("small") / "inventory", data))
    return inv, make_plan(inv)


def small_run(inv: Inventory, findings: list[Finding]) -> AuditRun:
    info = RunInfo(
        id="t",
        started=TAKEN,
        finished=TAKEN,
        operator="a@b",
        tool="hatang",
        command="hatang audit",
        inventory="inventory",
        inventory_sha256=inv.digest,
        catalogue_sha256=inv.digest,
        baseline="tcvn14423_2026",
        level=None,
        lab=True,
    )
    return AuditRun(info, findings, {}, [], agencies(inv))


def _small_findings(inv: Inventory, *, host12: bool = True) -> list[Finding]:
    b = RunBuilder(inv)
    b.device("WAN-05", "dc-chinh-edge1", "running", "pass")  # proven
    b.device("WAN-05", "so-tttt-ce1", "running", "fail")  # failed
    b.device("NET-12", "dc-chinh-edge2", "intended", "pass")  # a rendered configuration proves nothing: planned only
    b.device("NET-12", "phuong-1-ce1", "running", "fail")  # failed
    if host12:
        b.host("HOST-12", "portal-web-01", "pass")  # proven; and portal-https reachable through its only host
    b.host("HOST-11", "soc-log-01", "waived", checked_status="fail")  # a waiver does not make it ready
    return b.findings


def test_ipv6_readiness_by_hand(small: tuple[Inventory, AddressPlan]) -> None:
    inv, plan = small
    got: dict[str, Any] = ipv6_readiness(small_run(inv, _small_findings(inv)), inv, plan)
    assert list(got) == ["phuong-1", "so-tttt", "tp-tuy-hoa", "xa-binh-ngoc"]
    so = got["so-tttt"]
    # devices: its ce1, fw1 and the three of dc-chinh, which hosts its systems portal and soc
    assert so["devices"] == {
        "total": 5,
        "dual_stack": 4,
        "proven": 1,
        "planned_only": 3,
        "failed": 1,
        "not_planned": 0,
        "failed_names": ["so-tttt-ce1"],
        "not_planned_names": [],
    }
    # hosts: portal-web-01 (portal) and soc-log-01 (soc); ntp-01 serves no system of it
    assert so["hosts"] == {
        "total": 2,
        "dual_stack": 1,
        "proven": 1,
        "planned_only": 0,
        "failed": 1,
        "not_planned": 0,
        "failed_names": ["soc-log-01"],
        "not_planned_names": [],
    }
    # dual-stack: 1 site + 4 devices + 1 host of 1 + 5 + 2; services: 1 of 1; IPv6-only: 1 site + 1 service of 2
    assert so["parts"] == {
        "dual_stack": {"numerator": 6, "denominator": 8, "percent": 75.0},
        "ipv6_services": {"numerator": 1, "denominator": 1, "percent": 100.0},
        "ipv6_only": {"numerator": 2, "denominator": 2, "percent": 100.0},
    }
    assert so["score"] == 92  # (3/4 + 1 + 1) / 3 = 91.67
    assert (so["decided"], so["undecided"]) == (5, 3)  # 1+1 devices, 1+1 hosts, 1 service; 3 devices planned only
    tp = got["tp-tuy-hoa"]
    assert tp["parts"] == {
        "dual_stack": {"numerator": 3, "denominator": 3, "percent": 100.0},
        "ipv6_services": {"numerator": 0, "denominator": 0, "percent": None},
        "ipv6_only": {"numerator": 0, "denominator": 1, "percent": 0.0},  # the camera VLAN has no IPv6
    }
    assert tp["score"] == 50  # (1 + 0) / 2: the services part has nothing to count
    assert tp["sites"]["not_ipv6_only"] == ["tp-tuy-hoa"]
    assert got["phuong-1"]["parts"]["dual_stack"] == {"numerator": 2, "denominator": 3, "percent": 66.7}
    assert got["phuong-1"]["score"] == 83  # (2/3 + 1) / 2 = 83.33
    assert got["xa-binh-ngoc"]["score"] == 100
    assert (got["xa-binh-ngoc"]["decided"], got["xa-binh-ngoc"]["undecided"]) == (0, 2)  # the plan alone says so


def test_an_unaudited_service_is_never_counted_ready(small: tuple[Inventory, AddressPlan]) -> None:
    inv, plan = small
    so: Any = ipv6_readiness(small_run(inv, _small_findings(inv, host12=False)), inv, plan)["so-tttt"]
    assert so["services"] == {
        "total": 1,
        "reachable": 0,
        "unreachable": 0,
        "unknown": 1,
        "ipv6_only": 0,
        "unreachable_names": [],
        "unknown_names": ["portal-https"],
    }
    assert so["parts"]["ipv6_services"] == {"numerator": 0, "denominator": 1, "percent": 0.0}
    assert so["parts"]["ipv6_only"] == {"numerator": 1, "denominator": 2, "percent": 50.0}
    assert so["score"] == 42  # (6/8 + 0 + 1/2) / 3 = 41.67: portal-web-01 is planned only now, still dual-stack


def test_a_failing_end_to_end_probe_outweighs_the_listeners(small: tuple[Inventory, AddressPlan]) -> None:
    inv, plan = small
    findings = _small_findings(inv)
    b = RunBuilder(inv)
    b.other("INV-07", "system", "portal-https", "fail", "no AAAA record", level=3)
    so: Any = ipv6_readiness(small_run(inv, findings + b.findings), inv, plan)["so-tttt"]
    assert so["services"]["unreachable_names"] == ["portal-https"]
    assert so["parts"]["ipv6_services"]["numerator"] == 0


def test_the_score_rounds_half_up_and_skips_empty_parts() -> None:
    assert score([Part(1, 2), Part(0, 0), Part(1, 1)]) == 75
    assert score([Part(1, 8)]) == 13  # 12.5 rounds up
    assert score([Part(0, 0)]) is None
    assert Part(1, 3).ratio == Fraction(1, 3)


def test_the_sample_readiness_counts_unknown_apart(document: dict[str, Any], run: AuditRun) -> None:
    ipv6 = document["ipv6"]
    assert list(ipv6) == [a.name for a in run.agencies]
    for name, figures in ipv6.items():
        s = figures["services"]
        assert s["reachable"] + s["unreachable"] + s["unknown"] == s["total"], name
        assert figures["parts"]["ipv6_services"]["numerator"] == s["reachable"], name
    sotttt = ipv6["so-thong-tin-va-truyen-thong"]["services"]
    assert sotttt["reachable"] == 2  # cong-ttdt-web (HOST-12 on both hosts) and dvc-web (INV-07)
    assert sotttt["unreachable_names"] == ["motcua-web"]
    assert "qlvb-web" in sotttt["unknown_names"]  # manual decides nothing


def test_findings_are_counted_per_information_system(run: AuditRun, written: dict[str, Path], inv: Inventory) -> None:
    from infra.audit.report.common import system_rows

    expected: dict[str, dict[str, int]] = {}
    for f in run.findings:
        for name in f.systems:
            expected.setdefault(name, {})
            expected[name][f.status] = expected[name].get(f.status, 0) + 1
    assert len(expected) >= 2  # the sample run's findings serve several systems
    rows = system_rows(run, {s.name: s.label for s in inv.systems.values()})
    assert {r.key: {k: v for k, v in r.counts.items() if v} for r in rows} == expected
    assert all(r.label == inv.systems[r.key].label for r in rows if r.key in inv.systems)
    assert "Theo hệ thống thông tin" in written["html-vi"].read_text()
    assert "By information system" in written["html-en"].read_text()
    assert "### By information system" in written["markdown"].read_text()
