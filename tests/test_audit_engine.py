"""The audit engine's parts that need no lab: the gathering script, the parsers, verdicts, waivers, CLI errors."""

from __future__ import annotations

import datetime as dt
import ipaddress
import subprocess
from pathlib import Path

import pytest

from infra.audit import linuxfacts as lf
from infra.audit.catalogue import load_catalogue
from infra.audit.checking import Check, shown, summary, verdict
from infra.audit.engine import _apply_waivers
from infra.audit.facts import parse, script
from infra.audit.model import Finding, Item
from infra.audit.waivers import Waiver, Waivers
from infra.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_the_gathering_script_returns_every_output_error_and_status_apart() -> None:
    commands = {
        "plain": "printf 'a\\nb\\n'",
        "no-newline": "printf 'x'",
        "fails": "echo oops >&2; exit 3",
        "marker-lookalike": "echo '@@hatang-0000 end fails 0'",
        "empty": "true",
    }
    nonce = "@@hatang-1234abcd"
    done = subprocess.run(["/bin/sh", "-c", script(commands, nonce)], capture_output=True, text=True, check=True)
    out = parse(done.stdout, nonce)
    assert set(out) == set(commands)
    assert out["plain"].stdout == "a\nb\n"
    assert out["no-newline"].stdout == "x"
    assert (out["fails"].rc, out["fails"].stdout, out["fails"].stderr) == (3, "", "oops\n")
    assert out["marker-lookalike"].stdout == "@@hatang-0000 end fails 0\n"  # another nonce is plain text
    assert (out["empty"].rc, out["empty"].stdout) == (0, "")


def test_sockets_are_parsed_as_addresses_for_both_ss_layouts() -> None:
    listening = (
        "tcp   LISTEN 0 128 [2001:db8:5410:1110::21]:22 [::]:*\n"
        "tcp   LISTEN 0 128 10.54.17.33:22 0.0.0.0:*\n"
        "udp   UNCONN 0 0 *:123 *:*\n"
        "tcp   LISTEN 0 511 [::ffff:10.0.0.1]:443 [::]:*\n"
    )
    socks = lf.sockets(listening)
    assert lf.Socket("tcp", ipaddress.ip_address("2001:db8:5410:1110::21"), 6, 22) in socks
    assert lf.Socket("tcp", ipaddress.ip_address("10.54.17.33"), 4, 22) in socks
    assert {(s.family, s.local) for s in socks if s.port == 123} == {(4, None), (6, None)}
    assert lf.Socket("tcp", ipaddress.ip_address("10.0.0.1"), 4, 443) in socks  # v4-mapped is IPv4
    established = lf.sockets("0 0 [2001:db8::21]:42364 [2001:db8:0:0::3f]:6514\n")
    assert established[0].peer == ipaddress.ip_address("2001:db8::3f")  # compared as an address
    assert established[0].peer_port == 6514


def test_nftables_input_chains_and_icmpv6_before_the_first_drop() -> None:
    ruleset = {
        "nftables": [
            {"chain": {"family": "inet", "table": "t", "name": "input", "hook": "input", "policy": "drop"}},
            {"rule": {"family": "inet", "table": "t", "chain": "input", "expr": [
                {"match": {"op": "==", "left": {"payload": {"protocol": "icmpv6", "field": "type"}},
                           "right": {"set": ["packet-too-big", "nd-neighbor-solicit", 1]}}},
                {"accept": None}]}},
            {"rule": {"family": "inet", "table": "t", "chain": "input", "expr": [{"drop": None}]}},
            {"rule": {"family": "inet", "table": "t", "chain": "input", "expr": [
                {"match": {"op": "==", "left": {"payload": {"protocol": "icmpv6", "field": "type"}}, "right": 3}},
                {"accept": None}]}},
        ]
    }  # fmt: skip
    import json

    chains = lf.input_chains(json.dumps(ruleset))
    assert [(c.family, c.policy) for c in chains] == [("inet", "drop")]
    assert lf.filters_family(chains[0], 6)
    assert lf.icmpv6_accepted_before_drop(chains[0]) == {1, 2, 135}  # 3 comes after an unconditional drop


def test_rsyslog_actions_inherit_their_rulesets_queue() -> None:
    conf = (
        'ruleset(name="fwd" queue.type="LinkedList" queue.filename="q1" queue.saveOnShutdown="on") {\n'
        '    action(type="omfwd" target="2001:db8::3f" port="6514" protocol="tcp")\n'
        "}\n"
        'action(type="omfwd" target="10.0.0.9" port="514")\n'
        'action(type="omfile" file="/var/log/x")\n'
    )
    actions = list(lf.rsyslog_actions(conf))
    assert [a["target"] for a in actions] == ["2001:db8::3f", "10.0.0.9"]
    assert actions[0]["queue.filename"] == "q1"
    assert "queue.filename" not in actions[1]


def test_key_values_shadow_and_pam_parsers() -> None:
    assert lf.key_values("# c\nminlen = 14\nminclass=4 # inline\n") == {"minlen": "14", "minclass": "4"}
    assert lf.key_values("PASS_MAX_DAYS\t60\n", sep=" ") == {"pass_max_days": "60"}
    entries = lf.shadow("root:L:19000:0:99999:7:::\nana:P:19000:1:60:7:45::\n")
    assert [(e.user, e.password_set, e.max_days, e.inactive) for e in entries] == [
        ("root", False, 99999, None),
        ("ana", True, 60, 45),
    ]
    pam = "password requisite pam_pwhistory.so remember=24 use_authtok\n# password x pam_pwhistory.so remember=1\n"
    assert lf.pam_lines(pam, "pam_pwhistory.so") == [{"remember": "24", "use_authtok": ""}]


def test_thresholds_follow_the_targets_level() -> None:
    catalogue = load_catalogue()
    at2 = Check(catalogue.get("HOST-05"), 2, "h")
    assert at2.at_least("history", 5, "password_history") is None  # starts at level 3: not judged
    assert at2.items == []
    at3 = Check(catalogue.get("HOST-05"), 3, "h")
    assert at3.at_least("history", 5, "password_history") is False
    assert verdict(at3.items) == "fail"
    assert summary(at3.items).startswith("history: found 5; expected at least")


def test_verdicts_and_shown_values() -> None:
    assert verdict([]) == "not-applicable"
    assert verdict([Item("a", "pass", "", ""), Item("b", "manual", "", "")]) == "manual"
    assert verdict([Item("a", "warn", "", ""), Item("b", "fail", "", "")]) == "fail"
    assert shown(list(range(20))).endswith("… (+8 more)")
    assert shown(ipaddress.ip_network("2001:db8:0::/48")) == "2001:db8::/48"


def _finding(control: str, status: str, target: str = "ntp-01") -> Finding:
    return Finding(control, "host", target, status, 3, site="dc-chinh", systems=("ha-tang-ttdl",))  # type: ignore[arg-type]


def test_waivers_in_force_waive_failures_only_and_expired_ones_are_shown() -> None:
    today = dt.date(2026, 11, 22)
    live = Waiver.model_validate(
        {
            "control": "HOST-14",
            "justification": "x" * 25,
            "expires": "2027-01-01",
            "approved_by": "GĐ",
            "hosts": ["ntp-01"],
        }
    )
    stale = Waiver.model_validate(
        {"control": "HOST-20", "justification": "y" * 25, "expires": "2026-11-21", "approved_by": "GĐ"}
    )
    waivers = Waivers("w.yaml", (live, stale))
    found = _apply_waivers(
        [_finding("HOST-14", "fail"), _finding("HOST-14", "fail", "dns-res-01"), _finding("HOST-20", "fail"),
         _finding("HOST-14", "pass", "ntp-01")],
        waivers, None, today,  # type: ignore[arg-type]
    )  # fmt: skip
    assert (found[0].status, found[0].checked_status) == ("waived", "fail")
    assert found[1].status == "fail"  # out of the waiver's scope
    assert found[2].status == "fail"
    assert found[2].waiver is not None
    assert found[2].waiver.expired
    assert found[3].status == "pass"  # a passing finding is not "waived"


def test_audit_of_an_inventory_that_does_not_load_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "province.yaml").write_text("province: {name: X}\n")
    code = main(["audit", str(tmp_path), "--no-hosts", "--out", str(tmp_path / "build")])
    assert code == 2
    assert "Traceback" not in capsys.readouterr().err


VERSIONS = [
    "1.0", "1.0-1", "1.0-1+deb12u1", "1.0-1+deb12u2", "1.0~rc1-1", "1:0.9", "2.38.1-5+deb12u3", "2.38.1-5+deb12u1",
    "1.0a", "1.0+", "1.0-1~bpo12+1", "0.9.8", "1.0.0", "10.0", "9.0", "3.0-13+deb12u1", "3.0-13", "1.2.3-4",
]  # fmt: skip


def _dpkg(a: str, b: str) -> int:
    if subprocess.run(["dpkg", "--compare-versions", a, "eq", b], check=False).returncode == 0:
        return 0
    return 1 if subprocess.run(["dpkg", "--compare-versions", a, "gt", b], check=False).returncode == 0 else -1


def test_debian_versions_compare_as_dpkg_does() -> None:
    import itertools

    for a, b in itertools.permutations(VERSIONS, 2):
        mine = lf.debian_version_compare(a, b)
        assert (mine > 0) - (mine < 0) == _dpkg(a, b), (a, b)
    listed = "bsdextrautils 2.38.1-5+deb12u3 2.38.1-5+deb12u1\nopenssl 3.0.15-1~deb12u1 3.0.17-1~deb12u2\n"
    assert lf.pending_updates(listed) == [("openssl", "3.0.15-1~deb12u1", "3.0.17-1~deb12u2")]  # newer installed: not
