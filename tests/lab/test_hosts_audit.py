"""The audit of the hosts' lab: before the rollout and the hardening, and after them.

The hosts' lab is audited once as built (conftest: routers bare, hosts untouched), and here after the routers'
rollout and the host playbooks (test_hosts.py runs first and applies them; when this module runs alone it applies
them itself). The controls the rollout and the playbooks implement fail before and pass after; the levels gate;
waivers (one in force, one expired) behave; an unreachable host and a bad waiver file leave the rest of the audit
complete with the incomplete exit; the reports validate against their schemas and the HTML renders in Chromium.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema

from .hostslab import HOSTS, HostsLab, hatang

ALL = tuple(HOSTS)
SCHEMAS = Path(__file__).resolve().parents[2] / "infra" / "audit" / "report" / "schemas"

# (control, hosts) the host playbooks implement and the lab can show: failing as built, passing once hardened.
# Not here: HOST-04 (the lab's own sshd already listens on its management addresses only), HOST-08 (nothing
# insecure is installed as built), HOST-11 (the lab configures the planned addresses itself), HOST-13 (below: the
# playbooks do not authenticate time yet), HOST-14 (auditd cannot run in a namespace: waived below), HOST-16…20
# (not managed by the playbooks).
FLIPS: dict[str, tuple[str, ...]] = {
    "HOST-01": ALL,
    "HOST-02": ALL,
    "HOST-03": ALL,
    "HOST-05": ALL,
    "HOST-06": ALL,
    "HOST-07": ALL,
    "HOST-09": ALL,
    "HOST-10": ALL,
    "HOST-12": ("ntp-01", "portal-web-01", "soc-log-01"),  # dns-res-01: no DNS server role yet
    "HOST-15": ("dns-res-01", "ntp-01", "portal-web-01"),  # soc-log-01 is the collector
    "HOST-21": ("portal-web-01",),
}


def _status(report: dict[str, Any], control: str, target: str, source: str | None = None) -> str:
    found = [
        f["status"]
        for f in report["findings"]
        if f["control"] == control and f["target"] == target and f.get("source") == source
    ]
    assert len(found) == 1, f"{control} {target} {source}: {found}"
    return str(found[0])


@pytest.fixture(scope="module")
def after(hosts_lab: HostsLab) -> dict[str, Any]:
    if not hosts_lab.applied:
        proc, _data = hosts_lab.hosts()
        assert proc.returncode == 0, proc.stdout + proc.stderr
        hosts_lab.applied = True
    waivers = hosts_lab.out / "waivers.yaml"
    expired = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    future = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    waivers.write_text(
        "waivers:\n"
        "  - control: HOST-14\n"
        "    justification: Lab hosts share the machine's kernel, whose audit subsystem serves the first\n"
        "      namespace only.\n"
        f"    expires: {future}\n"
        "    approved_by: Trưởng phòng An toàn thông tin\n"
        "    hosts: [dns-res-01, ntp-01, portal-web-01, soc-log-01]\n"
        "  - control: HOST-20\n"
        "    justification: Temporary mounts are to be separated when the hosts move to the new storage array.\n"
        f"    expires: {expired}\n"
        "    approved_by: Giám đốc Trung tâm\n",
        encoding="utf-8",
    )
    proc, data = hosts_lab.audit("--waivers", str(waivers))
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    hosts_lab.audits["after"] = data
    return data


def test_the_controls_the_hardening_implements_fail_before_and_pass_after(
    hosts_lab: HostsLab, after: dict[str, Any]
) -> None:
    before = hosts_lab.audits["before"]["report"]
    wrong = []
    for control, hosts in FLIPS.items():
        for host in hosts:
            pair = (_status(before, control, host), _status(after["report"], control, host))
            if pair != ("fail", "pass"):
                wrong.append(f"{control} {host}: {pair}")
    assert not wrong, wrong


WAN_SIDE = ("dc-chinh-wan1", "dc-chinh-wan2", "xa-da-loc-ce1")
DC_ROUTERS = tuple(f"dc-chinh-{r}" for r in ("wan1", "wan2", "inet1", "inet2", "fw1", "fw2", "core1", "core2"))
# (control, routers) the rollout implements: failing on the bare FRR the lab starts with, passing once rolled out.
DEVICE_FLIPS: dict[str, tuple[str, ...]] = {
    "NET-18": DC_ROUTERS,  # OSPF (and BGP) authenticated
    "NET-12": WAN_SIDE,  # no router advertisements towards the WAN
    "WAN-01": WAN_SIDE,  # the circuits' adjacencies configured
    "WAN-05": WAN_SIDE,  # IPv6 on the WAN side
}


def test_the_rollout_fixes_the_routers_running_configurations(hosts_lab: HostsLab, after: dict[str, Any]) -> None:
    before, now = hosts_lab.audits["before"]["report"], after["report"]
    wrong = []
    for control, routers in DEVICE_FLIPS.items():
        for router in routers:
            pair = (_status(before, control, router, "running"), _status(now, control, router, "running"))
            if pair != ("fail", "pass"):
                wrong.append(f"{control} {router}: {pair}")
            # the intended configuration does not change with the rollout
            intended = (_status(before, control, router, "intended"), _status(now, control, router, "intended"))
            if intended[0] != intended[1] or "fail" in intended:
                wrong.append(f"{control} {router} intended: {intended}")
    assert not wrong, wrong


def test_time_is_synchronised_after_but_not_yet_authenticated(hosts_lab: HostsLab, after: dict[str, Any]) -> None:
    before = hosts_lab.audits["before"]["report"]
    for host in HOSTS:
        assert _status(before, "HOST-13", host) == "fail"
        finding = next(f for f in after["report"]["findings"] if f["control"] == "HOST-13" and f["target"] == host)
        failing = [i["name"] for i in finding["items"] if i["status"] != "pass"]
        # chrony runs with the inventory's servers, in sync; level 3 asks for NTS or keys, which is a finding
        assert failing == ["authenticated time (NTS or keys)"], finding


def test_waivers_in_force_waive_and_expired_ones_do_not(after: dict[str, Any]) -> None:
    report = after["report"]
    for host in HOSTS:
        waived = next(f for f in report["findings"] if f["control"] == "HOST-14" and f["target"] == host)
        assert waived["status"] == "waived"
        assert waived["checked_status"] == "fail"  # auditd is not running: the check still ran and says so
        assert waived["waiver"]["expired"] is False
        stale = next(f for f in report["findings"] if f["control"] == "HOST-20" and f["target"] == host)
        assert stale["status"] == "fail"
        assert stale["waiver"]["expired"] is True


def test_level_gating_reports_not_applicable_instead_of_dropping(hosts_lab: HostsLab, tmp_path: Path) -> None:
    proc, data = hosts_lab.audit("--level", "1", "--no-devices", "--no-inventory", out=tmp_path)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    report = data["report"]
    for host in HOSTS:
        # HOST-04 applies from level 2, HOST-15 from 3: listed, not applicable, never run
        for control in ("HOST-04", "HOST-15"):
            finding = next(f for f in report["findings"] if f["control"] == control and f["target"] == host)
            assert finding["status"] == "not-applicable", finding
            assert finding["level"] == 1
    # at level 1 the level-3 step of HOST-05 (password history) is not judged
    portal = next(f for f in report["findings"] if f["control"] == "HOST-05" and f["target"] == "portal-web-01")
    assert "pam_pwhistory remember" not in [i["name"] for i in portal["items"]]


def test_an_unreachable_host_and_a_bad_waiver_file_leave_the_rest_complete(hosts_lab: HostsLab, tmp_path: Path) -> None:
    bad = tmp_path / "waivers.yaml"
    bad.write_text("waivers:\n  - control: HOST-99\n    justification: short\n    expires: someday\n")
    assert hatang("lab", "stop", "-i", str(hosts_lab.inventory), "portal-web-01").returncode == 0
    try:
        proc, data = hosts_lab.audit(
            "--waivers", str(bad), "--no-devices", "--controls", "HOST-01,HOST-02,NET-99", out=tmp_path
        )
    finally:
        assert hatang("lab", "start", "-i", str(hosts_lab.inventory), "portal-web-01").returncode == 0
    assert proc.returncode == 4, proc.stdout + proc.stderr
    problems = "\n".join(data["problems"])
    assert "waivers.yaml:2" in problems
    assert "HOST-99" in problems
    assert "justification" in problems
    assert "expires" in problems
    assert "NET-99" in problems
    assert [e["target"] for e in data["errors"]] == ["portal-web-01"]
    assert "unreachable" in data["errors"][0]["reason"]
    report = data["report"]
    assert _status(report, "HOST-01", "portal-web-01") == "error"
    for host in ("dns-res-01", "ntp-01", "soc-log-01"):
        assert _status(report, "HOST-01", host) in ("pass", "fail")
        assert _status(report, "HOST-02", host) in ("pass", "fail")


def test_the_reports_validate_against_their_schemas(after: dict[str, Any]) -> None:
    reports = after["reports"]
    schema = json.loads((SCHEMAS / "audit.schema.json").read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(after["report"])
    xmlschema.XMLSchema(str(SCHEMAS / "junit.xsd")).validate(reports["junit"])
    evidence = after["report"]["evidence"]
    assert evidence
    assert all(len(e["sha256"]) == 64 for e in evidence)
    markdown = Path(reports["markdown"]).read_text()
    assert "HOST-14" in markdown  # the waived control is listed with its expiry
