"""``hatang lab export``: the lab as a file the top-level Vagrantfile reads to build it as virtual machines.

The export says everything once: nodes, their ports with stable MAC addresses, the networks joining them,
the files each node starts with and the commands that set its ports up. Secret values are never written:
gateway configurations keep ``${secret:NAME}`` placeholders and the export lists the environment variable
that holds each value, for the Vagrantfile to fill in at provisioning time.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from infra.inventory import Inventory
from infra.lab.control import LabModel, router_sysctls, sysctl_pairs
from infra.lab.files import DAEMONS, bare_router_config, gateway_config
from infra.lab.topology import MGMT_PORT, Node

FORMAT = "hatang-lab/1"
BOX = "debian/bookworm64"


def mac(node: Node, index: int) -> str:
    """A stable, locally administered MAC address for port ``index`` of ``node`` (0 = management)."""
    return f"02:48:{node.id >> 8:02x}:{node.id & 0xFF:02x}:{index >> 8:02x}:{index & 0xFF:02x}"


def _placeholders(inv: Inventory) -> dict[str, str]:
    return {name: "${secret:" + name + "}" for name in inv.secrets}


def _commands(node: Node) -> list[str]:
    out = [f"ip link set dev {p.name} mtu {p.mtu} up" for p in node.ports]
    for port in node.ports:
        for mv in port.macvlans:
            out += [
                f"ip link add {mv.name} link {port.name} type macvlan mode bridge",
                f"ip link set dev {mv.name} addrgenmode random",
                f"ip link set dev {mv.name} address {mv.mac} mtu {port.mtu} up",
                *(f"ip addr add {a} dev {mv.name}" for a in mv.addresses),
            ]
    out += [f"ip addr add {a} dev {p}" for p, a in node.addresses]
    out += [f"ip {r}" for r in node.routes]
    return out


def _sysctl(node: Node, rendered: dict[str, str]) -> dict[str, str]:
    if node.kind == "host":
        return {"net.ipv6.conf.all.accept_ra": "0", "net.ipv6.conf.all.forwarding": "0"}
    if node.kind == "gateway":
        return {"net.ipv4.ip_forward": "1", "net.ipv6.conf.all.forwarding": "1"}
    return sysctl_pairs(rendered.get(node.name, ""))


def export(m: LabModel, out: Path) -> Path:
    """Write ``out/lab.json`` and ``out/nodes/<node>/*``; return the JSON file's path."""
    topo, inv = m.topo, m.inv
    nodes_out: list[dict[str, Any]] = []
    placeholders = _placeholders(inv)
    rendered = router_sysctls(m)
    for node in topo.nodes.values():
        files: list[dict[str, str]] = []
        conf = None
        if node.kind == "router":
            conf = bare_router_config(node)
        elif node.kind == "gateway":
            conf = gateway_config(topo, node, inv, m.plan, placeholders)
        if conf is not None:
            for name, text in (("frr.conf", conf), ("daemons", DAEMONS)):
                path = out / "nodes" / node.name / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                files.append({"path": f"/etc/frr/{name}", "source": f"nodes/{node.name}/{name}", "mode": "0640"})
        nodes_out.append(
            {
                "name": node.name,
                "kind": node.kind,
                "site": node.site,
                "mgmt": {"interface": MGMT_PORT, "ipv6": node.mgmt_v6, "ipv4": node.mgmt_v4, "mac": mac(node, 0)},
                "interfaces": [
                    {"name": p.name, "network": _short(p.network), "mac": mac(node, k), "mtu": p.mtu}
                    for k, p in enumerate(node.ports, start=1)
                ],
                "sysctl": _sysctl(node, rendered),
                "files": files,
                "commands": _commands(node),
            }
        )
    networks = [
        {"name": _short(n.name), "kind": n.kind, "members": [{"node": a, "interface": p} for a, p in n.members]}
        for n in topo.networks.values()
    ]
    mg = topo.lab.mgmt
    data = {
        "format": FORMAT,
        "name": topo.lab.name,
        "box": BOX,
        "inventory_sha256": inv.digest,
        "mgmt": {
            "ipv6": str(mg.ipv6),
            "ipv4": str(mg.ipv4),
            "controller_ipv6": str(mg.ipv6.network_address + 254),
            "controller_ipv4": str(mg.ipv4.network_address + 254),
        },
        "secrets": [{"name": n, "env": s.env} for n, s in inv.secrets.items() if s.env],
        "nodes": nodes_out,
        "networks": networks,
    }
    path = out / "lab.json"
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return path


def _short(name: str) -> str:
    """A short, stable network name (hypervisors limit internal network names)."""
    return "n" + hashlib.sha256(name.encode()).hexdigest()[:10]
