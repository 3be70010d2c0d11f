"""FRR's outputs as NAPALM's dicts, and the driver's other pure pieces: no SSH, no device, no side effects.

What :mod:`infra.deploy.drivers.frr` runs on the device comes back here as text or JSON: ``show running-config``
(header stripped, secrets masked, interface descriptions), ``frr-reload.py --test`` and merge candidates (as a
``-``/``+`` diff with the enclosing blocks as context), ``ip -j`` (interfaces and addresses), FRR's BGP and OSPF
JSON, and iputils ping. The driver's ``optional_args`` are checked here too, and the shell scripts it runs (facts,
link speeds, ping, the commit-confirm timer) are written here.
"""

from __future__ import annotations

import ipaddress
import json
import posixpath
import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypedDict

from napalm.base import constants as c
from napalm.base import models
from napalm.base.exceptions import CommandErrorException
from napalm.base.helpers import mac as _mac

DEFAULT_STATE_DIR = "/var/lib/hatang"
DEFAULT_FRR_RELOAD = "/usr/lib/frr/frr-reload.py"
MASK = "<removed>"

Change = tuple[str, tuple[str, ...], str]
"""One diff line: sign (``-`` or ``+``), its enclosing blocks (outermost first) and the line itself."""


class OSPFNeighborDict(TypedDict):
    """One OSPF adjacency as :meth:`FRRDriver.get_ospf_neighbors` reports it."""

    neighbor_id: str
    interface: str
    state: str
    address: str


class OSPFNeighborsDict(TypedDict):
    """OSPFv2 (``ipv4``) and OSPFv3 (``ipv6``) adjacencies."""

    ipv4: list[OSPFNeighborDict]
    ipv6: list[OSPFNeighborDict]


# -- options and command output -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Options:
    """The driver's ``optional_args``, checked (see :func:`options`)."""

    port: int = 22
    key_file: str | None = None
    known_hosts: str | None = None
    sudo: bool = False
    state_dir: str = DEFAULT_STATE_DIR
    frr_reload: str = DEFAULT_FRR_RELOAD


@dataclass(frozen=True, slots=True)
class CommandResult:
    """A command's exit code and what it printed on stdout and stderr."""

    rc: int
    out: str
    err: str

    @property
    def text(self) -> str:
        """Stdout then stderr, each stripped, the empty ones left out."""
        return "\n".join(part.strip() for part in (self.out, self.err) if part.strip())


def options(raw: dict[str, Any] | None) -> Options:
    """Check and convert ``optional_args``; unknown keys are ignored, as NAPALM drivers do.

    Raises:
        ValueError: A path option is not a string or path, or ``state_dir`` is not absolute.
    """
    raw = raw or {}
    for key in ("key_file", "known_hosts", "state_dir", "frr_reload"):
        if raw.get(key) is not None and not isinstance(raw[key], str | Path):
            raise ValueError(f"optional_args[{key!r}] must be a path, not {type(raw[key]).__name__}")
    state_dir = str(raw.get("state_dir") or DEFAULT_STATE_DIR)
    if not posixpath.isabs(state_dir):
        raise ValueError(f"optional_args['state_dir'] must be an absolute path on the device, got {state_dir!r}")
    return Options(
        port=int(raw.get("port", 22)),
        key_file=str(raw["key_file"]) if raw.get("key_file") else None,
        known_hosts=str(raw["known_hosts"]) if raw.get("known_hosts") else None,
        sudo=bool(raw.get("sudo", False)),
        state_dir=state_dir,
        frr_reload=str(raw.get("frr_reload") or DEFAULT_FRR_RELOAD),
    )


def json_output(command: str, out: str) -> dict[str, Any]:
    """A vtysh command's JSON output as a dict (a top-level list comes back under ``data``).

    Raises:
        CommandErrorException: The output is not JSON.
    """
    try:
        data = json.loads(out)
    except ValueError as e:
        raise CommandErrorException(f"{command!r} did not print JSON (add 'json' to the command?)") from e
    return data if isinstance(data, dict) else {"data": data}


def messages(text: str) -> str:
    """FRR's error lines out of a tool's output (``%``/ERROR lines), or its last lines; never a whole log."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    picked = [line for line in lines if "% " in line or "ERROR" in line or line.startswith(("line ", "b'line "))]
    return "; ".join((picked or lines[-3:])[:10]) or "no message"


# -- configuration text ---------------------------------------------------------------------------------------------


def strip_header(text: str) -> str:
    """``show running-config`` without its "Building configuration..."/"Current configuration:" header."""
    lines = text.splitlines()
    for index, line in enumerate(lines[:5]):
        if line.strip() == "Current configuration:":
            lines = lines[index + 1 :]
            break
    return "\n".join(lines).strip("\n") + "\n"


_CLOSERS = frozenset({"exit", "exit-address-family", "exit-vrf", "exit-vnc", "end", "quit"})


def config_items(text: str) -> Iterator[tuple[tuple[str, ...], str]]:
    """Each configuration line with the blocks that enclose it (found by indentation)."""
    stack: list[tuple[int, str]] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped or stripped.startswith("!") or stripped in _CLOSERS:
            continue
        indent = len(line) - len(line.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        yield tuple(text for _, text in stack), stripped
        stack.append((indent, stripped))


def render_changes(changes: Iterable[Change]) -> str:
    """Changes grouped under their enclosing blocks (in order of first appearance), unified-diff style."""
    groups: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for sign, context, line in changes:
        groups.setdefault(context, []).append((sign, line))
    out: list[str] = []
    for context, lines in groups.items():
        out += [" " + " " * depth + text for depth, text in enumerate(context)]
        out += [sign + " " * len(context) + line for sign, line in lines]
    return "\n".join(out) + "\n" if out else ""


def merge_diff(candidate: str, running: str) -> str:
    """What merging ``candidate`` adds: its lines the running configuration lacks (in the same blocks)."""
    present = set(config_items(running))
    return render_changes(("+", ctx, line) for ctx, line in config_items(candidate) if (ctx, line) not in present)


def _reload_blocks(lines: list[str]) -> Iterator[list[str]]:
    """frr-reload.py prints each change as its context lines then the change; a new one starts at column 0."""
    block: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        if not line.startswith(" ") and block:
            yield block
            block = []
        block.append(line)
    if block:
        yield block


def reload_diff(output: str, running: str) -> str:
    """Turn ``frr-reload.py --test`` output into ``-line``/``+line`` changes with their blocks as context.

    frr-reload prints how to remove a line: "no X" for X and "X" for "no X"; some removals it lists as lines to
    add ("no ip prefix-list ..."), which show here as removals when the running configuration has the line.
    """
    present = set(config_items(running))
    sections: dict[str, list[str]] = {"-": [], "+": []}
    current: list[str] | None = None
    for line in output.splitlines():
        if line.strip() in ("Lines To Delete", "Lines To Add"):
            current = sections["-" if "Delete" in line else "+"]
        elif current is not None and not set(line.strip()) <= {"="}:
            current.append(line.rstrip())
    changes: list[Change] = []
    for sign, lines in sections.items():
        for block in _reload_blocks(lines):
            context, last = tuple(line.strip() for line in block[:-1]), block[-1].strip()
            if sign == "-":
                last = last[3:] if last.startswith("no ") else f"no {last}"
            elif last.startswith("no ") and (context, last[3:]) in present:
                sign, last = "-", last[3:]
            changes.append((sign, context, last))
    return render_changes(changes)


_SECRETS = tuple(
    re.compile(pattern)
    for pattern in (
        r"(\bpassword\s+(?:(?:clear|md5)\s+)?)\S+",  # bgp/ldp neighbor, isis area/domain, vty
        r"(\bauthentication-key\s+)\S+",  # ip ospf authentication-key
        r"(\bmessage-digest-key\s+\d+\s+md5\s+)\S+",  # ip ospf message-digest-key N md5
        r"(\bhash-algo\s+\S+\s+key\s+)\S+",  # ipv6 ospf6 authentication key-id N hash-algo A key
        r"(\bkey-string\s+)\S+",  # key chain
    )
)


def sanitize(text: str) -> str:
    """Replace passwords and keys in an FRR configuration with ``<removed>``."""
    for pattern in _SECRETS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


def descriptions(running: str) -> dict[str, str]:
    """Interface descriptions from an FRR configuration (interface name → description)."""
    found: dict[str, str] = {}
    for context, line in config_items(running):
        if len(context) == 1 and context[0].startswith("interface ") and line.startswith("description "):
            found[context[0].split()[1]] = line.removeprefix("description ")
    return found


def speeds(text: str) -> dict[str, float]:
    """Link speeds from ``<path>/<ifname>/speed <value>`` lines (Mbit/s; ``-1.0`` where the kernel has none)."""
    found: dict[str, float] = {}
    for line in text.splitlines():
        path, _, value = line.partition(" ")
        name = path.split("/")[-2] if path.count("/") >= 2 else path
        found[name] = float(value) if value.strip().lstrip("-").isdigit() and int(value) > 0 else -1.0
    return found


# -- getters --------------------------------------------------------------------------------------------------------


def interfaces(
    links: list[dict[str, Any]], speeds: dict[str, float], descriptions: dict[str, str]
) -> dict[str, models.InterfaceDict]:
    """NAPALM's interfaces from ``ip -j -d link`` entries, with the speeds and FRR's descriptions."""
    result: dict[str, models.InterfaceDict] = {}
    for link in links:
        name = str(link["ifname"])
        flags = [str(flag) for flag in link.get("flags", [])]
        state = str(link.get("operstate", ""))
        loopback = link.get("link_type") == "loopback"
        address = str(link.get("address", ""))
        result[name] = {
            "is_up": state == "UP" or (loopback and state == "UNKNOWN" and "UP" in flags),
            "is_enabled": "UP" in flags,
            "description": descriptions.get(name, ""),
            "last_flapped": -1.0,
            "mtu": int(link.get("mtu", 0)),
            "speed": speeds.get(name, -1.0),
            "mac_address": _mac(address) if re.fullmatch(r"(?:[0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}", address) else "",
        }
    return result


def interfaces_ip(addrs: list[dict[str, Any]]) -> dict[str, models.InterfacesIPDict]:
    """NAPALM's addresses per interface from ``ip -j addr`` entries (link-local included)."""
    result: dict[str, models.InterfacesIPDict] = {}
    for entry in addrs:
        families: models.InterfacesIPDict = {}
        for info in entry.get("addr_info", []):
            family = {"inet": "ipv4", "inet6": "ipv6"}.get(str(info.get("family")))
            if family == "ipv4":
                families.setdefault("ipv4", {})[str(info["local"])] = {"prefix_length": int(info["prefixlen"])}
            elif family == "ipv6":
                families.setdefault("ipv6", {})[str(info["local"])] = {"prefix_length": int(info["prefixlen"])}
        if families:
            result[str(entry["ifname"])] = families
    return result


def _afi_name(key: str) -> str:
    """FRR's ``ipv4Unicast`` is NAPALM's ``ipv4``; other families become snake case (``l2VpnEvpn`` → l2vpn_evpn)."""
    if key in ("ipv4Unicast", "ipv6Unicast"):
        return key[:4]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key.replace("Vpn", "vpn")).lower()


def bgp_neighbors(neighbors: dict[str, Any], summary: dict[str, Any]) -> dict[str, models.BGPStateNeighborsPerVRFDict]:
    """NAPALM's BGP peers per VRF (``global`` for the default) from FRR's ``neighbors json`` and ``summary json``."""
    result: dict[str, models.BGPStateNeighborsPerVRFDict] = {}
    for vrf, data in neighbors.items():
        if not isinstance(data, dict):
            continue
        vrf_summary = summary.get(vrf, {}) if isinstance(summary.get(vrf), dict) else {}
        peers = {addr: p for addr, p in data.items() if isinstance(p, dict) and "remoteAs" in p}
        result["global" if vrf == "default" else vrf] = {
            "router_id": _router_id(vrf_summary, peers),
            "peers": {addr: _bgp_peer(addr, peer, vrf_summary) for addr, peer in peers.items()},
        }
    return result


def _router_id(vrf_summary: dict[str, Any], peers: dict[str, dict[str, Any]]) -> str:
    for afi in vrf_summary.values():
        if isinstance(afi, dict) and afi.get("routerId"):
            return str(afi["routerId"])
    return next((str(p["localRouterId"]) for p in peers.values() if p.get("localRouterId")), "")


def _bgp_peer(address: str, peer: dict[str, Any], vrf_summary: dict[str, Any]) -> models.BGPStateNeighborDict:
    is_up = peer.get("bgpState") == "Established"
    uptime_ms = peer.get("bgpTimerUpMsec", 0) if is_up else peer.get("lastResetTimerMsecs", 0)
    families: dict[str, models.BGPStateAddressFamilyDict] = {}
    for key, info in (peer.get("addressFamilyInfo") or {}).items():
        received = vrf_summary.get(key, {}).get("peers", {}).get(address, {}).get("pfxRcd", c.BGP_NEIGHBOR_NULL_COUNTER)
        families[_afi_name(key)] = {
            "received_prefixes": int(received),
            "accepted_prefixes": int(info.get("acceptedPrefixCounter", c.BGP_NEIGHBOR_NULL_COUNTER)),
            "sent_prefixes": int(info.get("sentPrefixCounter", c.BGP_NEIGHBOR_NULL_COUNTER)),
        }
    return {
        "local_as": int(peer.get("localAs", 0)),
        "remote_as": int(peer.get("remoteAs", 0)),
        "remote_id": str(peer.get("remoteRouterId", "0.0.0.0")),
        "is_up": is_up,
        "is_enabled": not peer.get("adminShutDown", False),
        "description": str(peer.get("nbrDesc", "")),
        "uptime": int(uptime_ms) // 1000,
        "address_family": families,
    }


def ospf_v4(data: dict[str, Any]) -> list[OSPFNeighborDict]:
    """``show ip ospf neighbor json``: FRR 8 nests the router ids under ``neighbors``; older ones do not."""
    table = data.get("neighbors", data)
    out: list[OSPFNeighborDict] = []
    for router_id, entries in table.items():
        for entry in entries if isinstance(entries, list) else []:
            out.append(
                {
                    "neighbor_id": str(router_id),
                    "interface": str(entry.get("ifaceName", "")).split(":")[0],
                    "state": str(entry.get("nbrState", entry.get("state", ""))).split("/")[0],
                    "address": str(entry.get("ifaceAddress", entry.get("address", ""))),
                }
            )
    return out


def ospf_v6(data: dict[str, Any], detail: dict[str, Any]) -> list[OSPFNeighborDict]:
    """``show ipv6 ospf6 neighbor json`` plus the link-local addresses from its ``detail`` form."""
    out: list[OSPFNeighborDict] = []
    for entry in data.get("neighbors", []):
        router_id, interface = str(entry.get("neighborId", "")), str(entry.get("interfaceName", ""))
        more = detail.get(f"{router_id}%{interface}", {})
        out.append(
            {
                "neighbor_id": router_id,
                "interface": interface,
                "state": str(entry.get("state", "")).split("/")[0],
                "address": str(more.get("linkLocalAddress", "")) if isinstance(more, dict) else "",
            }
        )
    return out


# -- facts and ping -------------------------------------------------------------------------------------------------

SPEEDS_SCRIPT = 'for f in /sys/class/net/*/speed; do echo "$f $(cat "$f" 2>/dev/null)"; done'
"""A shell script printing each interface's speed, for :func:`speeds`."""

FACTS_SCRIPT = (
    'echo "hostname=$(hostname)"; echo "fqdn=$(hostname -f 2>/dev/null || hostname)"; '
    'echo "uptime=$(cut -d\' \' -f1 /proc/uptime)"; echo "serial=$(cat /etc/machine-id 2>/dev/null)"; '
    'echo "model=$(cat /sys/class/dmi/id/product_name 2>/dev/null || uname -m)"'
)
"""A shell script printing the Linux host's facts as ``key=value`` lines, for :func:`facts`."""


def facts(script_out: str, show_version: str, links: list[dict[str, Any]]) -> models.FactsDict:
    """NAPALM's facts from :data:`FACTS_SCRIPT`'s output, ``show version`` and ``ip -j link`` entries."""
    found = dict(line.split("=", 1) for line in script_out.splitlines() if "=" in line)
    version = re.search(r"FRRouting\s+(\S+)", show_version)
    return {
        "vendor": "FRRouting",
        "os_version": version.group(1) if version else "",
        "hostname": found.get("hostname", ""),
        "fqdn": found.get("fqdn", "") or found.get("hostname", ""),
        "uptime": float(found.get("uptime") or -1.0),
        "serial_number": found.get("serial", ""),
        "model": found.get("model", "").strip() or "Linux",
        "interface_list": sorted(str(link["ifname"]) for link in links),
    }


def ping_command(
    destination: str, source: str, ttl: int, timeout: int, size: int, count: int, vrf: str, source_interface: str
) -> str:
    """The iputils ping command line for NAPALM's ping arguments (``--`` keeps the destination from being an option)."""
    argv = ["ping", "-n", "-c", str(count), "-i", "0.2", "-W", str(timeout), "-s", str(size), "-t", str(ttl)]
    if source or source_interface:
        argv += ["-I", source or source_interface]
    family = ip_family(destination)
    if family:
        argv.append(f"-{family}")
    argv += ["--", destination]
    if vrf:
        argv = ["ip", "vrf", "exec", vrf, *argv]
    return shlex.join(argv)


def ip_family(destination: str) -> str:
    """``"4"`` or ``"6"`` for an address literal (a ``%zone`` allowed), ``""`` for a name."""
    try:
        return str(ipaddress.ip_address(destination.split("%")[0]).version)
    except ValueError:
        return ""


_REPLY = re.compile(r"bytes from (?P<ip>[0-9A-Fa-f.:]+)(?:%\S+)?: icmp_seq=\d+ ttl=\d+ time=(?P<rtt>[\d.]+) ms")
_SENT = re.compile(r"(?P<sent>\d+) packets transmitted, (?P<received>\d+) received")
_RTT = re.compile(r"= (?P<min>[\d.]+)/(?P<avg>[\d.]+)/(?P<max>[\d.]+)/(?P<mdev>[\d.]+) ms")


def ping_result(result: CommandResult, count: int) -> models.PingResultDict:
    """NAPALM's ping dict from iputils ping output (exit 0: replies, 1: none, other: an error)."""
    totals = _SENT.search(result.out)
    if result.rc not in (0, 1) or totals is None:
        return {"error": messages(result.text)}
    rtt = _RTT.search(result.out)
    stats = [float(rtt.group(k)) for k in ("min", "max", "avg", "mdev")] if rtt else [0.0] * 4
    sent, received = int(totals.group("sent")), int(totals.group("received"))
    return {
        "success": {
            "probes_sent": sent or count,
            "packet_loss": sent - received,
            "rtt_min": stats[0],
            "rtt_max": stats[1],
            "rtt_avg": stats[2],
            "rtt_stddev": stats[3],
            "results": [
                {"ip_address": m.group("ip"), "rtt": float(m.group("rtt"))} for m in _REPLY.finditer(result.out)
            ],
        }
    }


# -- commit-confirm timer -------------------------------------------------------------------------------------------
# The timer and a confirmation race for ``pending`` with ``mv``: whoever renames it first wins, so a confirmation
# either cancels the timer or fails because the revert has started. Paths are given shell-quoted.

TimerState = Literal["pending", "reverting", "none"]


def timer_script(*, pending: str, firing: str, rollback: str, frr_reload: str, seconds: int) -> str:
    """A command that starts a detached process group restoring ``rollback`` after ``seconds``.

    It returns once the timer has written its process group id to ``pending``; the timer renames that file to
    ``firing`` when it starts restoring, and deletes it when done.
    """
    body = (
        f"echo $$ > {pending}.tmp && mv {pending}.tmp {pending}; sleep {seconds}; "
        f"mv {pending} {firing} 2>/dev/null || exit 0; "
        f"{frr_reload} --reload {rollback} >/dev/null 2>&1; vtysh -c 'write memory' >/dev/null 2>&1; "
        f"rm -f {firing}"
    )
    wait = f"i=0; while [ ! -s {pending} ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done; test -s {pending}"
    return f"rm -f {pending}; setsid nohup sh -c {shlex.quote(body)} </dev/null >/dev/null 2>&1 & {wait}"


def cancel_script(*, pending: str, cancel: str) -> str:
    """A command that stops a pending timer: exit 0 when it stopped one, 3 when none was waiting."""
    return (
        f"mv {pending} {cancel} 2>/dev/null || exit 3; "
        f'kill -TERM -- -"$(cat {cancel})" 2>/dev/null || {{ rm -f {cancel}; exit 3; }}; rm -f {cancel}'
    )


def timer_state_script(*, pending: str, firing: str) -> str:
    """A command that prints ``pending`` or ``reverting`` when a live timer holds that file, else nothing."""
    alive = 'test -s {0} && kill -0 "$(cat {0})" 2>/dev/null'
    return f"if {alive.format(pending)}; then echo pending; elif {alive.format(firing)}; then echo reverting; fi"


def timer_state(out: str) -> TimerState:
    """The state :func:`timer_state_script` printed."""
    state = out.strip()
    return "pending" if state == "pending" else "reverting" if state == "reverting" else "none"
