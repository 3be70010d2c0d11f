"""Waivers: scope, expiry, and every problem of a bad waiver file reported at once with file:line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from infra.audit import load_catalogue
from infra.audit.waivers import Known, WaiverError, known_from, load_waivers
from infra.inventory import load

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def known() -> Known:
    return known_from(load_catalogue(), load(REPO / "inventory"))


GOOD = """\
waivers:
  - control: HOST-15
    justification: The SOC collectors go live in March; logs stay on the host until then.
    expires: 2027-03-31
    approved_by: Giám đốc Sở
    hosts: [portal-web-01]
  - control: HOST-09
    justification: The old document system is replaced this year; its firewall stays as it is.
    expires: 2026-01-31
    systems: [qlvb]
"""


def test_a_waiver_covers_its_control_and_scope_until_it_expires(tmp_path: Path, known: Known) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(GOOD)
    waivers = load_waivers(path, known)
    day = dt.date(2026, 11, 22)
    live, stale = waivers.find("HOST-15", target="portal-web-01", systems={"cong-ttdt"}, site="dc-chinh", today=day)
    assert live is not None
    assert stale is None
    assert live.run is True
    live, _ = waivers.find("HOST-15", target="dns-res-01", systems={"dns"}, site="dc-chinh", today=day)
    assert live is None  # another host
    live, _ = waivers.find("HOST-14", target="portal-web-01", systems={"cong-ttdt"}, site="dc-chinh", today=day)
    assert live is None  # another control
    live, stale = waivers.find("HOST-09", target="qlvb-app-01", systems={"qlvb"}, site="dc-chinh", today=day)
    assert live is None
    assert stale is not None
    assert stale.expires == dt.date(2026, 1, 31)
    after = dt.date(2027, 4, 1)
    live, stale = waivers.find("HOST-15", target="portal-web-01", systems=set(), site=None, today=after)
    assert live is None
    assert stale is not None
    live, _ = waivers.find("HOST-15", target="portal-web-01", systems=set(), site=None, today=dt.date(2027, 3, 31))
    assert live is not None  # the expiry day itself still holds


BAD = """\
waivers:
  - control: HOST-99
    justification: The SOC collectors go live in March; logs stay on the host until then.
    expires: 2027-03-31
  - control: HOST-15
    justification: "  short "
    expires: 2027-13-01
  - control: HOST-14
    justification: Audit logs are kept by the virtualisation platform for these hosts.
    hosts: [portal-web-99]
    colour: red
"""


def test_every_problem_of_a_bad_waiver_file_is_reported_at_once(tmp_path: Path, known: Known) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(BAD)
    with pytest.raises(WaiverError) as caught:
        load_waivers(path, known)
    found = {(p.line, p.path): (p.found, p.expected) for p in caught.value.problems}
    assert set(found) == {
        (2, "waivers[0].control"),
        (6, "waivers[1].justification"),
        (7, "waivers[1].expires"),
        (8, "waivers[2].expires"),
        (10, "waivers[2].hosts[0]"),
        (11, "waivers[2].colour"),
    }
    assert found[(2, "waivers[0].control")][0] == "unknown control 'HOST-99'"
    assert found[(2, "waivers[0].control")][1].startswith("a control of the catalogue")
    assert "did you mean 'portal-web-0" in found[(10, "waivers[2].hosts[0]")][1]
    assert all(p.file == str(path) for p in caught.value.problems)


def test_a_missing_or_malformed_waiver_file_is_an_error(tmp_path: Path, known: Known) -> None:
    with pytest.raises(WaiverError):
        load_waivers(tmp_path / "absent.yaml", known)
    broken = tmp_path / "broken.yaml"
    broken.write_text("waivers:\n  - control: HOST-15\n    justification: [unclosed\n")
    with pytest.raises(WaiverError) as caught:
        load_waivers(broken, known)
    assert caught.value.problems[0].line is not None
    empty = tmp_path / "empty.yaml"
    empty.write_text("other: 1\n")
    with pytest.raises(WaiverError, match="has 1 problem"):
        load_waivers(empty, known)
