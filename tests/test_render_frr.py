"""The frr template set: FRR's own checker, nft and ip accept what it renders, and the files say what the plan says.

Two inventories are rendered: the samples (their data-centre internet edges run FRR) and a copy of ``inventory/``
where every device runs FRR, so that every role (CE, WAN edge, internet edge, core, firewall, access, OOB) is proven.
Expected values come from the inventory, the plan or the intent, never from the rendered text.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from ipaddress import IPv4Interface, IPv6Interface, ip_network
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.inventory import Inventory, load
from infra.plan import make_plan
from infra.plan.model import AddressPlan, IPNet
from infra.render import checks, ports
from infra.render.build import build_intents
from infra.render.facts import DeviceFacts
from infra.render.facts.frr import parse
from infra.render.intent import DeviceIntent, Interface
from infra.render.render import Rendered, render_intents

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = {"phu-yen": ROOT / "inventory", "phu-tho": ROOT / "examples" / "phu-tho-2025"}
SENTINEL = "leak-sentinel-7f3a9c"
PORT_KINDS = ("mgmt", "wan", "link", "trunk")
ROLES = {"ce", "wan-edge", "internet-edge", "core", "firewall", "access", "oob"}


@dataclasses.dataclass
class Case:
    """One inventory rendered with the frr templates (its FRR devices only)."""

    inv: Inventory
    plan: AddressPlan
    intents: dict[str, DeviceIntent]
    out: Rendered

    def files(self, name: str) -> dict[str, str]:
        return {path.rsplit(".", 1)[1]: self.out.files[path] for path in self.out.devices[name]}


def make_case(path: Path) -> Case:
    """Render an inventory's FRR devices with every secret's environment variable set to a sentinel."""
    inv = load(path)
    with pytest.MonkeyPatch.context() as mp:
        for secret in inv.secrets.values():
            if secret.env:
                mp.setenv(secret.env, SENTINEL)
        plan = make_plan(inv)
        frr = {n: i for n, i in build_intents(inv, plan).items() if i.platform == "frr"}
        return Case(inv, plan, frr, render_intents(frr, inv.digest))


def _drop_platforms(node: Any) -> None:
    """Every device takes the default platform; circuit ends lose their port names (Linux calls them eth<n>).

    Every device gets jumbo frames, so that an MTU other than the default (the samples') is rendered too.
    """
    if isinstance(node, dict):
        node.pop("platform", None)
        if node.get("role") in ROLES:  # devices, not VLANs
            node["mtu"] = 9000
        if "site" in node and "device" in node:
            node.pop("interface", None)
        for value in node.values():
            _drop_platforms(value)
    elif isinstance(node, list):
        for value in node:
            _drop_platforms(value)


def frr_everywhere(src: Path, dst: Path) -> Path:
    """A copy of an inventory where every device runs FRR."""
    shutil.copytree(src, dst)
    for path in dst.rglob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        _drop_platforms(data)
        if path.name == "province.yaml":
            data["defaults"]["platform"] = "frr"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dst


def shape(d: DeviceIntent) -> tuple[object, ...]:
    """What makes two devices' configurations differ in kind rather than in numbers."""
    return (
        d.role,
        d.gateway,
        tuple(sorted({i.kind for i in d.interfaces})),
        any(i.parent for i in d.interfaces),
        tuple(sorted({i.vrrp.priority for i in d.interfaces if i.vrrp})),
        bool(d.bgp),
        (d.ospf.default_originate, d.ospf.redistribute_bgp) if d.ospf else None,
        any(not i.ra_suppress for i in d.interfaces),
    )


@pytest.fixture(scope="module")
def samples() -> dict[str, Case]:
    return {name: make_case(path) for name, path in SAMPLES.items()}


@pytest.fixture(scope="module")
def everywhere(tmp_path_factory: pytest.TempPathFactory) -> Case:
    return make_case(frr_everywhere(ROOT / "inventory", tmp_path_factory.mktemp("frr") / "inventory"))


@pytest.fixture(scope="module")
def chosen(samples: dict[str, Case], everywhere: Case) -> list[tuple[Case, str]]:
    """Every FRR device of the samples, and one device of each shape of the all-FRR inventory."""
    out = [(case, name) for case in samples.values() for name in case.intents]
    seen: set[tuple[object, ...]] = set()
    for name, intent in everywhere.intents.items():
        if shape(intent) not in seen:
            seen.add(shape(intent))
            out.append((everywhere, name))
    return out


def write(tmp: Path, chosen: list[tuple[Case, str]], suffix: str) -> list[Path]:
    paths = []
    for k, (case, name) in enumerate(chosen):  # the samples share device names
        path = tmp / f"{k:02}-{name}.{suffix}"
        path.write_text(case.files(name)[suffix], encoding="utf-8")
        paths.append(path)
    return paths


def run_all(commands: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Run commands side by side; their results in order."""
    runs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in commands]
    out = []
    for command, run in zip(commands, runs, strict=True):
        stdout, stderr = run.communicate(timeout=120)
        out.append(subprocess.CompletedProcess(command, run.returncode, stdout, stderr))
    return out


def vtysh(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["vtysh", "-C", "-f", str(path)], capture_output=True, text=True, check=False)


def nft_check(paths: list[Path]) -> dict[str, str]:
    """``nft -c -f`` on each file in one throwaway network namespace: file name -> errors ("" when accepted)."""
    script = 'for f; do if ! out=$(nft -c -f "$f" 2>&1); then printf "%s\\0%s\\0" "$f" "$out"; fi; done'
    done = subprocess.run(
        ["unshare", "--net", "sh", "-c", script, "sh", *map(str, paths)], capture_output=True, text=True, check=True
    )
    parts = done.stdout.split("\0")
    failed = dict(zip(parts[0::2], parts[1::2], strict=False))
    return {p.name: failed.get(str(p), "") for p in paths}


def block(text: str, header: str) -> list[str]:
    """The lines of a configuration block (``interface eth1``, ``router bgp 65054``), stripped."""
    lines = text.splitlines()
    start = lines.index(header)
    out = []
    for line in lines[start + 1 :]:
        if not line.startswith(" "):
            break
        out.append(line.strip())
    return out


# --- FRR's own checker ---------------------------------------------------------------------------------------


def test_both_samples_have_their_internet_edges_on_frr(samples: dict[str, Case]) -> None:
    for case in samples.values():
        planned = {d.name for s in case.inv.sites.values() for d in s.devices if d.platform == "frr"}
        assert planned, "the sample has FRR devices"
        assert set(case.intents) == planned
        assert {i.role for i in case.intents.values()} == {"internet-edge"}
        assert not case.out.failures
        assert set(case.out.devices) == planned
        assert all(sorted(case.files(n)) == ["cfg", "ip", "nft", "sysctl"] for n in planned)


def test_every_role_renders_on_frr(everywhere: Case) -> None:
    assert {i.platform for i in everywhere.intents.values()} == {"frr"}
    assert len(everywhere.intents) == sum(len(s.devices) for s in everywhere.inv.sites.values())
    assert {i.role for i in everywhere.intents.values()} == ROLES
    assert not everywhere.out.failures
    assert set(everywhere.out.devices) == set(everywhere.intents)


def test_vtysh_accepts_each_file(chosen: list[tuple[Case, str]], tmp_path: Path) -> None:
    paths = write(tmp_path, chosen, "cfg")
    results = run_all([["vtysh", "-C", "-f", str(p)] for p in paths])
    assert {p.name: r.stdout for p, r in zip(paths, results, strict=True) if r.returncode != 0} == {}
    assert {c.intents[n].role for c, n in chosen} == ROLES


def test_vtysh_accepts_every_all_frr_config(everywhere: Case, tmp_path: Path) -> None:
    # one file, one vtysh run: a line wrong in any of the configurations still fails the check
    path = tmp_path / "all.cfg"
    path.write_text("".join(everywhere.files(n)["cfg"] for n in everywhere.intents), encoding="utf-8")
    done = vtysh(path)
    assert done.returncode == 0, done.stdout[:2000]


def test_vtysh_rejects_a_broken_config(samples: dict[str, Case], tmp_path: Path) -> None:
    case = samples["phu-yen"]
    text = case.files(next(iter(case.intents)))["cfg"]
    for broken in (
        text.replace(" ip address ", " ip adress ", 1),
        text.replace("router ospf\n", "router ospf\n neighbor 10.0.0.1 activate\n", 1),
        text.replace("ipv6 ospf6 area 0.0.0.0", "ipv6 ospf6 area 0.0.0.0.0", 1),
    ):
        assert broken != text
        path = tmp_path / "broken.cfg"
        path.write_text(broken, encoding="utf-8")
        done = vtysh(path)
        assert done.returncode != 0
        assert "Unknown command" in done.stdout + done.stderr


# --- nftables and ip -------------------------------------------------------------------------------------------


def test_nft_accepts_each_ruleset_and_rejects_a_broken_one(chosen: list[tuple[Case, str]], tmp_path: Path) -> None:
    paths = write(tmp_path, chosen, "nft")
    broken = tmp_path / "broken.nft"
    broken.write_text(
        paths[0].read_text(encoding="utf-8").replace("jump MGMT-V4", "jump NO-SUCH-CHAIN"), encoding="utf-8"
    )
    results = nft_check([*paths, broken])
    assert "NO-SUCH-CHAIN" in results.pop("broken.nft")
    assert {name: err for name, err in results.items() if err} == {}


def _created(d: DeviceIntent) -> list[str]:
    """The VLAN devices the ip file is expected to create: subinterfaces and the SVI bridges' trunk members."""
    out = [i.name for i in d.interfaces if i.kind == "vlan" and i.parent]
    for svi in (i for i in d.interfaces if i.kind == "vlan" and not i.parent):
        out += [f"{t.name}.{svi.vlan}" for t in d.interfaces if t.kind == "trunk" and svi.vlan in t.vlans]
    return out


IpResult = tuple[bool, str, int, list[dict[str, Any]], list[dict[str, Any]]]


def ip_command(d: DeviceIntent, path: Path) -> list[str]:
    """Apply an ip file in a throwaway namespace whose ports are taps (this kernel has no dummy devices).

    Without 802.1Q in the kernel the VLAN devices are made as taps first, so that ``link add ... type vlan`` must
    fail with the kernel's "File exists" (iproute2 parsed it) and the lines after it still run for real.
    """
    ports_ = " ".join(i.name for i in d.interfaces if i.kind in PORT_KINDS)
    stand_ins = " ".join(_created(d))
    script = f"""
ip tuntap add mode tap name hatang-p0
if ip link add link hatang-p0 name hatang-p0.1 type vlan id 1 2>/dev/null; then vlan=1; else vlan=0; fi
for p in {ports_}; do ip tuntap add mode tap name "$p"; done
if [ $vlan = 0 ]; then for s in {stand_ins}; do ip tuntap add mode tap name "$s"; done; fi
ip link del hatang-p0
echo "vlan=$vlan"
ip -force -batch {path} 2>&1
echo "rc=$?@@"
ip -j -d link show
echo "@@"
ip -j addr show
"""
    return ["unshare", "--net", "sh", "-c", script]


def ip_result(done: subprocess.CompletedProcess[str]) -> IpResult:
    """Whether VLANs are supported, the batch's output and exit code, and ``ip -j`` links and addresses after."""
    assert done.returncode == 0, done.stderr
    head, links, addrs = done.stdout.split("@@\n")
    batch, rc = head.rsplit("rc=", 1)
    return head.startswith("vlan=1"), batch, int(rc), json.loads(links), json.loads(addrs)


def apply_ip(d: DeviceIntent, path: Path) -> IpResult:
    return ip_result(run_all([ip_command(d, path)])[0])


def _failures(batch: str, text: str) -> list[tuple[str, str]]:
    """(failed line of the file, the message printed before it) from ``ip -force -batch`` output."""
    lines, out, previous = text.splitlines(), [], ""
    for line in batch.splitlines():
        found = re.match(r"Command failed \S+:(\d+)$", line)
        if found:
            out.append((lines[int(found[1]) - 1], previous))
        previous = line
    return out


def _check_links(d: DeviceIntent, links: dict[str, dict[str, Any]]) -> None:
    for i in d.interfaces:
        if i.kind != "loopback":
            assert links[i.name]["mtu"] == i.mtu, i.name
            assert "UP" in links[i.name]["flags"], i.name
        if i.vrf:
            assert links[i.name]["master"] == i.vrf
        if i.kind == "vlan" and not i.parent:
            assert links[i.name]["linkinfo"]["info_kind"] == "bridge"
            members = {n for n, link in links.items() if link.get("master") == i.name}
            assert members == {f"{t.name}.{i.vlan}" for t in d.interfaces if t.kind == "trunk" and i.vlan in t.vlans}


def _check_vrrp(d: DeviceIntent, links: dict[str, dict[str, Any]], addrs: list[dict[str, Any]]) -> None:
    on = {
        a["ifname"]: {f"{x['local']}/{x['prefixlen']}" for x in a["addr_info"] if x["scope"] == "global"} for a in addrs
    }
    expected: dict[str, set[str]] = {}
    for i in d.interfaces:
        if i.vrrp and i.vrrp.ipv4:
            expected[f"vrrp4-{i.vlan}"] = {f"{i.vrrp.ipv4}/{ip_network(i.ipv4[0].network).prefixlen}"}
            assert links[f"vrrp4-{i.vlan}"]["address"] == f"00:00:5e:00:01:{i.vrrp.group:02x}"
        if i.vrrp and i.vrrp.ipv6:
            expected[f"vrrp6-{i.vlan}"] = {f"{a}/{ip_network(i.ipv6[0].network).prefixlen}" for a in i.vrrp.ipv6}
            assert links[f"vrrp6-{i.vlan}"]["address"] == f"00:00:5e:00:02:{i.vrrp.group:02x}"
        for name in (f"vrrp4-{i.vlan}", f"vrrp6-{i.vlan}") if i.vrrp else ():
            if name in expected:
                assert links[name]["link"] == i.name
                assert links[name]["linkinfo"]["info_kind"] == "macvlan"
    # FRR sets every other address: the ip file adds none but the virtual ones
    assert {k: v for k, v in on.items() if v} == expected


def test_ip_batch_builds_the_planned_links(chosen: list[tuple[Case, str]], tmp_path: Path) -> None:
    paths = write(tmp_path, chosen, "ip")
    done = run_all([ip_command(case.intents[name], path) for (case, name), path in zip(chosen, paths, strict=True)])
    for (case, name), path, result in zip(chosen, paths, done, strict=True):
        d = case.intents[name]
        vlan, batch, rc, links, addrs = ip_result(result)
        failures = _failures(batch, path.read_text(encoding="utf-8"))
        if vlan:
            assert (rc, failures) == (0, []), name
        else:
            assert rc in (0, 1), batch
            assert all(re.fullmatch(r"link add link \S+ name \S+ type vlan id \d+", f) for f, _ in failures), name
            assert {msg for _, msg in failures} <= {"RTNETLINK answers: File exists"}, name
            assert len(failures) == len(_created(d)), name
        by_name = {link["ifname"]: link for link in links}
        _check_links(d, by_name)
        _check_vrrp(d, by_name, addrs)


def test_ip_batch_reports_a_broken_file(samples: dict[str, Case], tmp_path: Path) -> None:
    case = samples["phu-yen"]
    name = next(iter(case.intents))
    path = tmp_path / "broken.ip"
    good = case.files(name)["ip"]
    path.write_text(good + "link set dev eth1 mtu 1000000\n", encoding="utf-8")  # refused by the kernel
    _, batch, rc, _, _ = apply_ip(case.intents[name], path)
    assert rc != 0
    assert _failures(batch, path.read_text(encoding="utf-8")) == [
        ("link set dev eth1 mtu 1000000", "Error: mtu greater than device maximum.")
    ]
    path.write_text(good + "link set dev eth1 mtu lots\n", encoding="utf-8")
    _, batch, rc, _, _ = apply_ip(case.intents[name], path)
    assert rc != 0  # refused by iproute2 itself
    assert 'Invalid "mtu" value' in batch


# FRR's daemons in a throwaway namespace (network, mounts, hostname, processes): the configuration is loaded,
# then frr-reload compares it with the running configuration. Forwarding is on, as on a router.
RELOAD = """
set -e
hostname "$1"
mount -t tmpfs tmpfs /var/run/frr
chown frr:frr /var/run/frr
sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
R=/var/run/frr
for x in zebra staticd ospfd ospf6d bgpd vrrpd; do
  /usr/lib/frr/$x -d -u frr -g frr -z $R/zserv.api --vty_socket $R -i $R/$x.pid -f /dev/null 2>/dev/null
done
vtysh --vty_socket $R -f "$2" >/dev/null
python3 /usr/lib/frr/frr-reload.py --test --stdout --vty_socket $R "$2" 2>/dev/null
echo "@@"
vtysh --vty_socket $R -c "show running-config"
"""


def _reload_diff(output: str) -> list[str]:
    """The lines frr-reload would delete or add (it prints nothing when there are none)."""
    return [line for line in output.splitlines() if line.strip() and not line.startswith(("=", "Lines To "))]


def test_frr_reload_finds_nothing_to_change(everywhere: Case, tmp_path: Path) -> None:
    # the defaults FRR never writes out (RA suppression, hop limit 64, VRRP version 3 and priority 100,
    # reference bandwidth 100 Gbit/s) stay out of the files, so a configuration applied twice changes nothing
    intents = everywhere.intents
    names = [
        next(n for n, d in intents.items() if any(i.vrrp and i.vrrp.priority == 100 for i in d.interfaces)),
        next(n for n, d in intents.items() if d.bgp and d.ospf),
        next(n for n, d in intents.items() if any(not i.ra_suppress for i in d.interfaces)),
    ]
    commands = []
    for name in names:
        path = tmp_path / f"{name}.cfg"
        # the keys as deploy fills them in (an OSPF MD5 key has at most 16 characters)
        path.write_text(re.sub(r"\$\{secret:[^}]+\}", "k" * 16, everywhere.files(name)["cfg"]), encoding="utf-8")
        commands.append(
            ["unshare", "--net", "--mount", "--uts", "--pid", "--fork", "sh", "-c", RELOAD, "sh", name, str(path)]
        )
    for name, run in zip(names, run_all(commands), strict=True):
        assert run.returncode == 0, run.stderr
        diff, running = run.stdout.split("@@\n")
        assert _reload_diff(diff) == [], name
        d = intents[name]
        lines = running.splitlines()  # the daemons did take the configuration
        assert {f"interface {i.name}" for i in d.interfaces} <= set(lines)
        assert ("router ospf" in lines, f"router bgp {d.bgp.asn}" in lines if d.bgp else False) == (
            d.ospf is not None,
            d.bgp is not None,
        )


# --- what the files say, against the plan and the intent -------------------------------------------------------


def _all(samples: dict[str, Case], everywhere: Case) -> Iterator[tuple[Case, str]]:
    for case in (*samples.values(), everywhere):
        for name in case.intents:
            yield case, name


def _sysctl_lines(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def test_sysctl_files_route_refuse_redirects_and_suit_vrrp(everywhere: Case, tmp_path: Path) -> None:
    vrrp_seen = plain_seen = False
    for name, d in everywhere.intents.items():
        keys = _sysctl_lines(everywhere.files(name)["sysctl"])
        assert keys["net.ipv4.ip_forward"] == keys["net.ipv6.conf.all.forwarding"] == "1", name
        assert keys["net.ipv4.conf.all.accept_redirects"] == keys["net.ipv6.conf.all.accept_redirects"] == "0", name
        has_vrrp = any(i.vrrp for i in d.interfaces)
        vrrp_seen, plain_seen = vrrp_seen or has_vrrp, plain_seen or not has_vrrp
        assert (keys.get("net.ipv6.conf.all.ignore_routes_with_linkdown") == "1") == has_vrrp, name
        assert (keys.get("net.ipv4.conf.all.arp_ignore") == "1") == has_vrrp, name
    assert vrrp_seen
    assert plain_seen
    # the kernel takes every key of a VRRP router's file, in a throwaway network namespace
    name = next(n for n, d in everywhere.intents.items() if any(i.vrrp for i in d.interfaces))
    path = tmp_path / "90-hatang.conf"
    path.write_text(everywhere.files(name)["sysctl"])
    done = subprocess.run(["unshare", "--net", "sysctl", "-p", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "net.ipv6.conf.all.ignore_routes_with_linkdown = 1" in done.stdout


def test_loopbacks_are_the_planned_ones(samples: dict[str, Case], everywhere: Case) -> None:
    for case, name in _all(samples, everywhere):
        d = case.intents[name]
        planned = next(p for p in case.plan.sites[d.site].devices if p.name == name)
        lo = block(case.files(name)["cfg"], "interface lo")
        wanted = {
            f"ip address {a}/32" if a.version == 4 else f"ipv6 address {a}/128" for a in planned.loopbacks.values()
        }
        assert any(a.version == 4 for a in planned.loopbacks.values())
        assert any(a.version == 6 for a in planned.loopbacks.values())
        assert wanted <= set(lo), name


def test_no_forwarding_lines_and_secrets_only_as_tokens(samples: dict[str, Case], everywhere: Case) -> None:
    tokens: set[str] = set()
    for case, name in _all(samples, everywhere):
        for suffix, text in case.files(name).items():
            assert SENTINEL not in text, (name, suffix)
            assert not re.search(r"^\s*(no )?ipv6? forwarding", text, re.M), name
            body = "\n".join(line for line in text.splitlines() if not line.startswith(("!", "#")))
            tokens |= set(re.findall(r"\$\{secret:([^}]+)\}", body))
            for value in re.findall(r"\b(?:password|md5|key) (\S+)$", text, re.M):
                assert re.fullmatch(r"\$\{secret:[a-z0-9-]+\}", value), (name, value)
    inv = everywhere.inv
    assert tokens == {inv.defaults.ospf_secret} | {g.bgp_secret for g in inv.gateways.values() if g.bgp_secret}
    assert tokens <= set(inv.secrets)


def test_facts_read_back_the_intent(chosen: list[tuple[Case, str]]) -> None:
    for case, name in chosen:
        d = case.intents[name]
        facts = parse(case.files(name))
        assert facts.hostname == d.hostname
        assert set(facts.interfaces) == {i.name for i in d.interfaces}
        for i in d.interfaces:
            f = facts.interfaces[i.name]
            assert set(f.ipv4) == {IPv4Interface(a.cidr) for a in i.ipv4}, i.name
            assert set(f.ipv6) == {IPv6Interface(a.cidr) for a in i.ipv6}, i.name
            assert f.mtu == (None if i.kind == "loopback" else i.mtu), i.name
            assert (f.filter_v4, f.filter_v6) == (i.filter_v4, i.filter_v6), i.name
            routed = d.ospf is not None and i.ospf
            assert f.ospf_area == (i.ospf_area if routed and i.ipv4 else None), i.name
            assert f.ospf6_area == (i.ospf_area if routed and i.ipv6 else None), i.name
            assert f.ra_suppressed == i.ra_suppress, i.name
            assert not f.shutdown


def test_static_checks_find_nothing_on_the_all_frr_province(everywhere: Case) -> None:
    facts, unparsed = checks.collect_facts(everywhere.intents, everywhere.out.files)
    assert unparsed == []
    assert set(facts) == set(everywhere.intents)
    assert checks.run_checks(everywhere.intents, facts) == []


def test_router_advertisements_follow_the_vlan_roles(chosen: list[tuple[Case, str]]) -> None:
    seen = {"wan": 0, "advertising": 0}
    for case, name in chosen:
        d = case.intents[name]
        cfg = case.files(name)["cfg"]
        dns6 = {t.address for t in d.dns if t.family == "ipv6"}
        for i in d.interfaces:
            lines = block(cfg, f"interface {i.name}")
            on = "no ipv6 nd suppress-ra" in lines
            if i.kind == "wan":
                seen["wan"] += 1
                assert i.ra_suppress
                assert not on
            if i.ipv6 and not i.ra_suppress and not (i.vrrp and i.vrrp.ipv6):
                seen["advertising"] += 1
                assert on, i.name
                assert {x.split()[-1] for x in lines if x.startswith("ipv6 nd rdnss ")} == dns6
            else:
                assert not on, i.name
    assert seen["wan"]
    assert seen["advertising"]


def _prefix_list(cfg: str, name: str) -> list[tuple[IPNet, int]]:
    """(prefix, longest length matched) of each entry of a permit-only prefix list, in order."""
    out = []
    for m in re.finditer(rf"^ipv?6? prefix-list {name} seq \d+ permit (\S+)(?: le (\d+))?$", cfg, re.M):
        net = ip_network(m[1])
        out.append((net, int(m[2]) if m[2] else net.prefixlen))
    return out


def _matches(entries: list[tuple[IPNet, int]], route: str) -> bool:
    net = ip_network(route)
    return any(
        net.version == p.version and net.subnet_of(p) and p.prefixlen <= net.prefixlen <= le  # type: ignore[arg-type]
        for p, le in entries
    )


def _activated(cfg: str, asn: int) -> dict[str, list[str]]:
    """Neighbour -> the address families it is activated in."""
    out: dict[str, list[str]] = {}
    family = ""
    for line in block(cfg, f"router bgp {asn}"):
        if line.startswith("address-family "):
            family = line.split()[1]
        elif line.endswith(" activate"):
            out.setdefault(line.split()[1], []).append(family)
    return out


def test_bgp_one_family_per_peer_and_the_policy(everywhere: Case) -> None:
    routers = [n for n, d in everywhere.intents.items() if d.bgp]
    assert {everywhere.intents[n].role for n in routers} == {"ce", "wan-edge"}
    routers = [*(n for n in routers if everywhere.intents[n].role == "wan-edge"), *routers[::6]]
    blocks = [b.prefix for s in everywhere.plan.sites.values() for b in s.blocks.values()][::5]  # a spread of sites
    for name in routers:
        d, cfg = everywhere.intents[name], everywhere.files(name)["cfg"]
        assert d.bgp is not None
        expected = {p.address: ["ipv4" if ip_network(p.address).version == 4 else "ipv6"] for p in d.bgp.peers}
        assert _activated(cfg, d.bgp.asn) == expected
        router = block(cfg, f"router bgp {d.bgp.asn}")
        for p in d.bgp.peers:
            assert f"neighbor {p.address} remote-as {p.remote_as}" in router
            assert f"neighbor {p.address} password {p.secret}" in router
        own = [str(b.prefix) for b in everywhere.plan.sites[d.site].blocks.values()]
        others = [str(b) for b in blocks if str(b) not in own]
        for v, default in (("V4", "0.0.0.0/0"), ("V6", "::/0")):
            reject, export = _prefix_list(cfg, f"BGP-REJECT-{v}"), _prefix_list(cfg, f"BGP-EXPORT-{v}")
            mine = [p for p in own if (":" in p) == (v == "V6")]
            assert mine
            assert _matches(reject, default)
            for prefix in mine:
                net = ip_network(prefix)
                assert _matches(reject, prefix)
                assert _matches(reject, str(next(net.subnets(new_prefix=net.max_prefixlen))))
                assert _matches(export, prefix)
                assert not _matches(export, str(next(net.subnets())))
            assert not any(_matches(reject, o) or _matches(export, o) for o in others if (":" in o) == (v == "V6"))
            assert block(cfg, f"route-map BGP-IN-{v} deny 10") == [
                f"match {'ip' if v == 'V4' else 'ipv6'} address prefix-list BGP-REJECT-{v}"
            ]
            assert f"route-map BGP-IN-{v} permit 20" in cfg.splitlines()


def test_ospf_default_and_redistribution(everywhere: Case) -> None:
    pools = {v: [str(n) for n in everywhere.plan.pools.values() if n.version == v] for v in (4, 6)}
    seen = set()
    for name, d in everywhere.intents.items():
        cfg = everywhere.files(name)["cfg"]
        if d.ospf is None:
            assert "router ospf" not in cfg
            continue
        for router, v in (("router ospf", "V4"), ("router ospf6", "V6")):
            lines = block(cfg, router)
            assert ("default-information originate always" in lines) == d.ospf.default_originate, name
            assert (f"redistribute bgp route-map OSPF-FROM-BGP-{v}" in lines) == d.ospf.redistribute_bgp, name
        seen.add((d.role, d.ospf.default_originate, d.ospf.redistribute_bgp))
        if d.ospf.redistribute_bgp:
            assert _prefix_list(cfg, "PROVINCE-V4") == [(ip_network(p), 32) for p in pools[4]]
            assert _prefix_list(cfg, "PROVINCE-V6") == [(ip_network(p), 128) for p in pools[6]]
    assert {
        ("internet-edge", True, False),
        ("ce", True, False),
        ("wan-edge", False, True),
        ("core", False, False),
    } <= seen


def _mgmt_sources(case: Case) -> dict[int, list[str]]:
    """The data centres' management VLAN subnets, from the plan."""
    out: dict[int, list[str]] = {4: [], 6: []}
    for site in case.inv.sites.values():
        if site.tier is not None and site.tier.kind == "datacenter":
            for vlan in case.plan.sites[site.name].vlans:
                if vlan.role == "management":
                    for net in vlan.subnets.values():
                        out[net.version].append(str(net))
    return out


def _chains(nft: str) -> dict[str, list[str]]:
    """Chain -> its rule lines (comments and blank lines left out)."""
    out: dict[str, list[str]] = {}
    current = None
    for raw in nft.splitlines():
        line = raw.strip()
        opened = re.match(r"chain (\S+) \{$", line)
        if opened:
            current = out.setdefault(opened[1], [])
        elif line == "}":
            current = None
        elif current is not None and line and not line.startswith("#"):
            current.append(line)
    return out


def test_management_access_only_from_the_planned_sources(samples: dict[str, Case]) -> None:
    for case in samples.values():
        sources = _mgmt_sources(case)
        assert sources[4]
        assert sources[6]
        for name, d in case.intents.items():
            cfg, nft = case.files(name)["cfg"], case.files(name)["nft"]
            for v, acl, ip in ((4, "access-list", "ip"), (6, "ipv6 access-list", "ip6")):
                wanted = [*(f"permit {s}" for s in sources[v]), "deny any"]
                name_ = d.mgmt_filter_v4 if v == 4 else d.mgmt_filter_v6
                got = re.findall(rf"^{acl} {name_} seq \d+ (.+)$", cfg, re.M)
                assert got == wanted
                chain = _chains(nft)[name_]
                assert [r.split(" accept")[0] for r in chain if " accept" in r] == [
                    f"{ip} saddr {s}" for s in sources[v]
                ]
                assert chain[-1].startswith("drop")
                nfproto = "ipv4" if v == 4 else "ipv6"
                assert f"meta nfproto {nfproto} tcp dport 22 jump {name_}" in _chains(nft)["input"]
            vty = block(cfg, "line vty")
            assert f"access-class {d.mgmt_filter_v4}" in vty
            assert f"ipv6 access-class {d.mgmt_filter_v6}" in vty
            assert f"exec-timeout {d.exec_timeout_minutes} 0" in vty


def test_nftables_follow_the_intent(chosen: list[tuple[Case, str]]) -> None:
    wan = 0
    for case, name in chosen:
        d = case.intents[name]
        chains = _chains(case.files(name)["nft"])
        assert chains["input"][:3] == [
            "type filter hook input priority filter; policy drop;",
            "ct state invalid drop",
            "ct state established,related accept",
        ]
        for f in d.filters:
            rules = [r for r in chains[f.name] if not r.startswith("limit rate") and " limit rate " not in r]
            assert len(rules) == len(f.rules), f.name
            assert sum("log prefix" in r for r in chains[f.name]) == sum(r.log for r in f.rules)
            for rule, line in zip(f.rules, rules, strict=True):
                ip = "ip" if f.family == "ipv4" else "ip6"
                assert (f"{ip} saddr {rule.source}" in line) == (rule.source != "any"), line
                assert (f"{ip} daddr {rule.destination}" in line) == (rule.destination != "any"), line
                assert line.split(" comment ")[0].endswith(
                    "drop" if rule.action == "deny" else ("return" if f.purpose == "wan-in" else "accept")
                )
                if rule.icmp_type is not None:
                    assert f"{rule.protocol} type {rule.icmp_type} " in line
                if rule.port is not None:
                    assert f"{rule.protocol} dport {rule.port} " in line
        for i in d.interfaces:
            for family, filt in (("ipv4", i.filter_v4), ("ipv6", i.filter_v6)):
                jump = f'iifname "{i.name}" meta nfproto {family} jump {filt}'
                assert (jump in chains["input"] and jump in chains["forward"]) == (filt is not None)
            wan += i.kind == "wan"
            urpf = [r for r in chains["prerouting"] if re.search(rf'"{re.escape(i.name)}"', r)]
            assert len(urpf) == (2 if i.urpf else 0), i.name
            assert all((" . iif " in r) == (i.urpf == "strict") for r in urpf)
        ospf = [r for r in chains["input"] if "meta l4proto 89 accept" in r]
        routed = {i.name for i in d.interfaces if d.ospf and i.ospf and not i.ospf_passive}
        assert set(re.findall(r'"([^"]+)"', ospf[0].split(" meta ")[0]) if ospf else []) == routed
        for p in d.bgp.peers if d.bgp else ():
            assert any(p.address in r and "tcp dport 179 accept" in r for r in chains["input"])
    assert wan


def test_vrrp_gateways_are_the_planned_ones(everywhere: Case) -> None:
    cores = [n for n, d in everywhere.intents.items() if any(i.vrrp for i in d.interfaces)]
    assert cores
    for name in cores:
        d, cfg = everywhere.intents[name], everywhere.files(name)["cfg"]
        vlans = {v.vlan_id: v for v in everywhere.plan.sites[d.site].vlans}
        for i in (i for i in d.interfaces if i.vrrp):
            assert i.vlan is not None
            assert i.vrrp is not None
            gw = vlans[i.vlan].gateways
            lines = block(cfg, f"interface {i.name}")
            g = i.vrrp.group
            assert f"vrrp {g} ip {gw['ipv4']}" in lines
            assert {x.split()[-1] for x in lines if x.startswith(f"vrrp {g} ipv6 ")} == {
                str(a) for p, a in gw.items() if p != "ipv4"
            }
            assert ([x for x in lines if "priority" in x] == [f"vrrp {g} priority {i.vrrp.priority}"]) == (
                i.vrrp.priority != 100
            )
            assert f"interface vrrp6-{i.vlan}" in cfg.splitlines()


# --- variants the samples do not have ----------------------------------------------------------------------------


def test_a_management_vrf_renders_and_passes(everywhere: Case, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(ports.STYLES, "frr", dataclasses.replace(ports.STYLES["frr"], mgmt_vrf="mgmt"))
    intents = build_intents(everywhere.inv, everywhere.plan)
    names = [n for n, d in intents.items() if d.role in ("ce", "access")][:4]
    out = render_intents({n: intents[n] for n in names}, everywhere.inv.digest)
    assert not out.failures
    for name in names:
        d = intents[name]
        files = {p.rsplit(".", 1)[1]: out.files[p] for p in out.devices[name]}
        mgmt = [i for i in d.interfaces if i.kind == "mgmt"]
        assert mgmt
        assert mgmt[0].vrf == "mgmt"
        lines = files["cfg"].splitlines()
        assert f"interface {mgmt[0].name} vrf mgmt" in lines
        inside = block(files["cfg"], "vrf mgmt")
        assert sorted(inside) == sorted(
            f"{'ip' if r.family == 'ipv4' else 'ipv6'} route {r.prefix} {r.next_hop}" for r in d.routes if r.vrf
        )
        assert not any(re.match(r"ipv?6? route (0\.0\.0\.0|::)/0 ", x) for x in lines)
        assert "link add name mgmt type vrf table 1000" in files["ip"].splitlines()
        assert f"link set dev {mgmt[0].name} master mgmt" in files["ip"].splitlines()
        path = tmp_path / f"{name}.cfg"
        path.write_text(files["cfg"], encoding="utf-8")
        assert vtysh(path).returncode == 0
        assert set(parse(files).interfaces[mgmt[0].name].ipv4) == {IPv4Interface(a.cidr) for a in mgmt[0].ipv4}


def _with_vlan(d: DeviceIntent, vlan: str, **changes: Any) -> DeviceIntent:
    ifaces = tuple(dataclasses.replace(i, **changes) if i.name == vlan else i for i in d.interfaces)
    return dataclasses.replace(d, interfaces=ifaces)


def test_vrrp_on_an_advertising_vlan(everywhere: Case, tmp_path: Path) -> None:
    name = next(n for n, d in everywhere.intents.items() if any(i.vrrp and i.vrrp.ipv6 for i in d.interfaces))
    d = everywhere.intents[name]
    vlan: Interface = next(i for i in d.interfaces if i.vrrp)
    for suppress in (True, False):
        variant = _with_vlan(d, vlan.name, ra_suppress=suppress)
        out = render_intents({name: variant}, everywhere.inv.digest)
        files = {p.rsplit(".", 1)[1]: out.files[p] for p in out.devices[name]}
        parent = block(files["cfg"], f"interface {vlan.name}")
        macvlan = block(files["cfg"], f"interface vrrp6-{vlan.vlan}")
        assert "no ipv6 nd suppress-ra" not in parent  # vrrpd advertises on the macvlan while master
        assert ("ipv6 nd ra-lifetime 0" in macvlan) == suppress
        dns6 = {f"ipv6 nd rdnss {t.address}" for t in d.dns if t.family == "ipv6"}
        assert dns6
        assert (dns6 <= set(macvlan)) != suppress
        assert parse(files).interfaces[vlan.name].ra_suppressed == suppress
        assert f"vrrp6-{vlan.vlan}" not in parse(files).interfaces
        path = tmp_path / f"{name}.cfg"
        path.write_text(files["cfg"], encoding="utf-8")
        assert vtysh(path).returncode == 0


# --- the parser on its own -----------------------------------------------------------------------------------------


def _facts(cfg: str, ip: str = "", nft: str = "") -> DeviceFacts:
    return parse({"cfg": cfg, "ip": ip, "nft": nft})


def test_parser_areas_addresses_and_shutdown() -> None:
    cfg = (
        "hostname r9\ninterface eth1 vrf blue\n ip address 192.0.2.1/31\n ipv6 address fe80::1/64\n"
        " ipv6 address 2001:db8::1/127\n ip ospf area 1\n ipv6 ospf6 area 0.0.0.2\n shutdown\nexit\n!\n"
    )
    facts = _facts(cfg + "router ospf\nexit\nrouter ospf6\nexit\n")
    f = facts.interfaces["eth1"]
    assert facts.hostname == "r9"
    assert f.ipv4 == [IPv4Interface("192.0.2.1/31")]
    assert f.ipv6 == [IPv6Interface("2001:db8::1/127")]  # the link-local one is left out
    assert (f.ospf_area, f.ospf6_area, f.shutdown) == ("0.0.0.1", "0.0.0.2", True)
    bare = _facts(cfg).interfaces["eth1"]  # areas without the OSPF processes do nothing
    assert (bare.ospf_area, bare.ospf6_area) == (None, None)


def test_parser_router_advertisements() -> None:
    cfg = (
        "interface a\n ipv6 address 2001:db8:1::1/64\nexit\n"
        "interface b\n ipv6 address 2001:db8:2::1/64\n no ipv6 nd suppress-ra\nexit\n"
        "interface c\n ipv6 address 2001:db8:3::2/64\n vrrp 3 ipv6 2001:db8:3::1\nexit\n"
        "interface d\n ipv6 address 2001:db8:4::2/64\n vrrp 4 ipv6 2001:db8:4::1\nexit\n"
        "interface vrrp6-4\n ipv6 nd ra-lifetime 0\nexit\n"
    )
    ip = "link add vrrp6-3 link c type macvlan mode bridge\nlink add vrrp6-4 link d type macvlan mode bridge\n"
    facts = _facts(cfg, ip)
    assert {n: f.ra_suppressed for n, f in facts.interfaces.items()} == {"a": True, "b": False, "c": False, "d": True}


def test_parser_mtu_and_filters_need_both_chains() -> None:
    cfg = "interface eth1\nexit\ninterface eth2\nexit\n"
    ip = "link set dev eth1 mtu 9000 up\nlink set dev eth2.5 mtu 1400 up\n"
    nft = (
        "table inet t {\n chain input {\n"
        '  iifname "eth1" meta nfproto ipv4 jump WAN4\n  iifname "eth2" meta nfproto ipv6 jump WAN6\n }\n'
        ' chain forward {\n  iifname "eth1" meta nfproto ipv4 jump WAN4\n }\n}\n'
    )
    facts = _facts(cfg, ip, nft)
    assert (facts.interfaces["eth1"].mtu, facts.interfaces["eth2"].mtu) == (9000, None)
    assert (facts.interfaces["eth1"].filter_v4, facts.interfaces["eth1"].filter_v6) == ("WAN4", None)
    assert facts.interfaces["eth2"].filter_v6 is None  # only the input chain jumps there
    assert set(facts.interfaces) == {"eth1", "eth2"}
