"""What each lab node finds in its own filesystem layer: sshd settings, its init, FRR's daemons and config.

Routers start from a bare FRR configuration (their hostname only): a rollout brings them to what the
inventory says. Emulated gateways start fully configured, as the operator's routers would be.
"""

from __future__ import annotations

import ipaddress
import secrets
import string
from dataclasses import dataclass, field

from infra.inventory import Inventory
from infra.lab.topology import Node, Topology
from infra.plan import AddressPlan
from infra.render.env import default_templates, environment

MESH_V4 = ipaddress.IPv4Network("10.255.254.0/24")  # lab-internal links between emulated gateways
MESH_V6 = ipaddress.IPv6Network("fd00:0:0:fd::/64")
SECRET_ALPHABET = string.ascii_letters + string.digits

DAEMONS = """\
# FRR daemons of a hatang lab router
zebra=yes
bgpd=yes
ospfd=yes
ospf6d=yes
staticd=yes
vrrpd=yes
bfdd=no
vtysh_enable=yes
zebra_options="  -A 127.0.0.1 -s 90000000"
bgpd_options="   -A 127.0.0.1"
ospfd_options="  -A 127.0.0.1"
ospf6d_options=" -A ::1"
staticd_options="-A 127.0.0.1"
vrrpd_options="  -A 127.0.0.1"
"""

NODE_INIT = """\
#!/bin/sh
# hatang lab node init (run by tini): the admin account on hosts, sshd, then FRR on routers, then wait
mkdir -p /run/sshd /run/hatang
if [ -f /etc/hatang-lab-host ] && ! id hatang >/dev/null 2>&1; then
  useradd --create-home --user-group --groups sudo --shell /bin/bash hatang
fi
/usr/sbin/sshd
if [ -f /etc/hatang-lab-router ]; then /usr/lib/frr/frrinit.sh start >/run/hatang/frr-start.log 2>&1; fi
touch /run/hatang/ready
exec sleep infinity
"""


ADMIN = "hatang"  # the lab hosts' administrator account (key login, sudo), as a provisioned image would have


def sshd_config(node: Node) -> str:
    """Sshd settings of a node: key-only login on the lab management addresses.

    Routers and gateways are managed as root (as FRR's driver logs in); hosts through the administrator account,
    so the host playbooks can forbid root logins as they would in production.
    """
    root = "" if node.kind == "host" else "PermitRootLogin prohibit-password\n"
    return (
        "# hatang lab: management access for the controller only\n"
        f"ListenAddress [{node.mgmt_v6}]:22\n"
        f"ListenAddress {node.mgmt_v4}:22\n"
        "HostKey /etc/ssh/ssh_host_ed25519_key\n"
        f"{root}"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "AuthorizedKeysFile /etc/ssh/hatang_authorized_keys\n"
        "UseDNS no\n"
    )


def bare_router_config(node: Node) -> str:
    """A lab router's configuration before its first rollout."""
    return (
        "! hatang lab: bare configuration, before the first rollout\n"
        "frr defaults traditional\n"
        f"hostname {node.name}\n"
        "service integrated-vtysh-config\n"
        "!\n"
    )


def lab_secrets(inv: Inventory, environ: dict[str, str]) -> dict[str, str]:
    """A value for every secret the inventory names: the environment's when set, else a fresh random one."""
    out: dict[str, str] = {}
    for name, secret in inv.secrets.items():
        value = environ.get(secret.env, "") if secret.env else ""
        out[name] = value or "".join(secrets.choice(SECRET_ALPHABET) for _ in range(16))
    return out


@dataclass(slots=True)
class _GatewayView:
    name: str
    asn: int
    router_id: str
    circuits: list[dict[str, object]] = field(default_factory=list)
    mesh: list[dict[str, object]] = field(default_factory=list)


def _mesh_pairs(topo: Topology) -> dict[tuple[str, str], int]:
    gateways = [n.name for n in topo.nodes.values() if n.kind == "gateway"]
    pairs = [(a, z) for i, a in enumerate(gateways) for z in gateways[i + 1 :]]
    return {pair: k for k, pair in enumerate(pairs)}


def _mesh_addresses(k: int, first: bool) -> tuple[str, str]:
    end = 0 if first else 1
    return str(MESH_V4.network_address + 2 * k + end), str(MESH_V6.network_address + 2 * k + end)


def _mesh_entries(topo: Topology, node: Node) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for (a, z), k in _mesh_pairs(topo).items():
        if node.name not in (a, z):
            continue
        peer = z if node.name == a else a
        v4, v6 = _mesh_addresses(k, node.name == a)
        p4, p6 = _mesh_addresses(k, node.name != a)
        port = f"g{topo.nodes[peer].id}"
        out.append({"port": port, "peer": peer, "ipv4": f"{v4}/31", "ipv6": f"{v6}/127", "peer_v4": p4, "peer_v6": p6})
    return out


def gateway_config(topo: Topology, node: Node, inv: Inventory, plan: AddressPlan, values: dict[str, str]) -> str:
    """The emulated gateway's FRR configuration: one eBGP session per family per lab circuit, iBGP to the others."""
    gw = inv.gateways[node.name]
    view = _GatewayView(node.name, gw.asn, node.mgmt_v4, mesh=_mesh_entries(topo, node))
    for cid, circuit in topo.circuits.items():
        if circuit.gateway != node.name:
            continue
        link = plan.circuits[cid]
        fam6 = next(p for p in link.prefixes if p != "ipv4")
        view.circuits.append(
            {
                "id": cid,
                "port": f"c{cid}",
                "device": f"{circuit.a.site}-{circuit.a.device}",
                "ipv4": f"{link.b_addr['ipv4']}/{link.prefixes['ipv4'].prefixlen}",
                "ipv6": f"{link.b_addr[fam6]}/{link.prefixes[fam6].prefixlen}",
                "peer_v4": str(link.a_addr["ipv4"]),
                "peer_v6": str(link.a_addr[fam6]),
                "remote_as": inv.province.asn,
                "password": values.get(gw.bgp_secret, "") if gw.bgp_secret else "",
            }
        )
    template = environment(default_templates()).get_template("lab/gateway.j2")
    return template.render(g=view)


def node_files(topo: Topology, node: Node, *, host_key: str, authorized: str, frr_conf: str | None) -> dict[str, str]:
    """Files written into the node's own layer (path inside the node → content)."""
    files = {
        "/etc/hostname": node.name + "\n",
        "/etc/hosts": _hosts(topo),
        "/etc/ssh/sshd_config.d/00-hatang-lab.conf": sshd_config(node),
        "/etc/ssh/hatang_authorized_keys": authorized,
        "/etc/ssh/ssh_host_ed25519_key": host_key,
        "/usr/local/sbin/hatang-node-init": NODE_INIT,
        # the machine's own root shell start-up (pyenv and the like) must not run for every SSH command
        "/root/.bashrc": "# hatang lab node\n",
        "/root/.profile": "# hatang lab node\n",
    }
    if node.kind == "host":
        files["/etc/hatang-lab-host"] = "host\n"
        files["/etc/sudoers.d/hatang-lab"] = f"# hatang lab: the administrator\n{ADMIN} ALL=(ALL:ALL) NOPASSWD: ALL\n"
    if frr_conf is not None:
        files["/etc/hatang-lab-router"] = node.kind + "\n"
        files["/etc/frr/daemons"] = DAEMONS
        files["/etc/frr/frr.conf"] = frr_conf
        files["/etc/frr/vtysh.conf"] = "service integrated-vtysh-config\n"
    return files


def _hosts(topo: Topology) -> str:
    lines = ["127.0.0.1 localhost", "::1 localhost ip6-localhost ip6-loopback"]
    lines += [f"{n.mgmt_v6} {n.name}" for n in topo.nodes.values()]
    return "\n".join(lines) + "\n"
