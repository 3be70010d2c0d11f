"""Two FRR router nodes for the driver tests, built from the lab's own node primitives (infra.lab.nodes).

Layout (nothing here uses the names or addresses of the project's lab)::

    root netns: drvt0 fd00:0:0:fe::fe/64 ── netns drvt-mgmt: bridge br0 ─┬─ mgmt0 fd00:0:0:fe::1  (drvt-r1)
                                                                         └─ mgmt0 fd00:0:0:fe::2  (drvt-r2)
    drvt-r1 eth1 198.51.100.0/31 2001:db8:fe:12::1/64 ── eth1 198.51.100.1/31 2001:db8:fe:12::2/64 drvt-r2
    OSPFv2 + OSPFv3 area 0 over eth1; eBGP AS 64901 <-> 64902, one IPv4 and one IPv6 session.

Each node is what ``hatang lab`` starts: ``mount_overlay`` of the machine's root (its own layer on a tmpfs),
``start_node`` (private namespaces, chroot, tini running the lab's node init: sshd, then FRR), with the lab's
sshd settings, FRR daemons and init script written into its own layer here. Teardown finds everything by the
``drvt-`` names, as ``hatang lab down`` does for a lab.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from infra.lab import nodes as os_nodes
from infra.lab.files import DAEMONS, NODE_INIT, sshd_config
from infra.lab.topology import Node as LabNode

PREFIX = "drvt-"
MGMT_NS = f"{PREFIX}mgmt"
HOST_VETH = "drvt0"
HOST_ADDR = "fd00:0:0:fe::fe"
USERNAME = "root"
INIT = "/usr/local/sbin/hatang-node-init"  # what start_node runs under tini
READY = "/run/hatang/ready"  # what NODE_INIT touches once sshd and FRR are started
START_TIMEOUT = 30.0


@dataclass(frozen=True)
class Node:
    name: str
    host: str
    port: int
    username: str
    key_file: str
    known_hosts: str
    run: Callable[[str], subprocess.CompletedProcess[str]]


@dataclass(frozen=True)
class RouterSpec:
    name: str
    index: int
    asn: int
    peer_asn: int
    router_id: str
    link_v4: str
    peer_v4: str
    link_v6: str
    peer_v6: str
    loop_v6: str

    @property
    def netns(self) -> str:
        return f"{PREFIX}{self.name}"

    @property
    def mgmt_addr(self) -> str:
        return f"fd00:0:0:fe::{self.index}"

    @property
    def mgmt_v4(self) -> str:
        """Only inside the drvt namespaces (the lab's sshd settings listen on one IPv4 address too)."""
        return f"10.254.254.{self.index}"

    @property
    def lab_node(self) -> LabNode:
        return LabNode(self.name, "router", "drvt", self.index, self.mgmt_addr, self.mgmt_v4)


R1 = RouterSpec(
    "r1", 1, 64901, 64902, "203.0.113.1", "198.51.100.0", "198.51.100.1", "2001:db8:fe:12::1", "2001:db8:fe:12::2",
    "2001:db8:fe::1",
)  # fmt: skip
R2 = RouterSpec(
    "r2", 2, 64902, 64901, "203.0.113.2", "198.51.100.1", "198.51.100.0", "2001:db8:fe:12::2", "2001:db8:fe:12::1",
    "2001:db8:fe::2",
)  # fmt: skip
SPECS = (R1, R2)


def frr_conf(r: RouterSpec) -> str:
    """The node's FRR configuration, spelled as FRR prints it back."""
    return f"""\
frr version 8.4.4
frr defaults traditional
hostname {r.name}
service integrated-vtysh-config
!
interface eth1
 description link to {R2.name if r is R1 else R1.name}
 ip address {r.link_v4}/31
 ip ospf area 0
 ip ospf dead-interval 4
 ip ospf hello-interval 1
 ip ospf network point-to-point
 ipv6 address {r.link_v6}/64
 ipv6 ospf6 area 0
 ipv6 ospf6 dead-interval 4
 ipv6 ospf6 hello-interval 1
 ipv6 ospf6 network point-to-point
exit
!
interface lo
 ip address {r.router_id}/32
 ip ospf area 0
 ipv6 address {r.loop_v6}/128
 ipv6 ospf6 area 0
exit
!
router bgp {r.asn}
 bgp router-id {r.router_id}
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 timers bgp 3 9
 neighbor {r.peer_v4} remote-as {r.peer_asn}
 neighbor {r.peer_v4} description v4 session
 neighbor {r.peer_v4} timers connect 1
 neighbor {r.peer_v6} remote-as {r.peer_asn}
 neighbor {r.peer_v6} description v6 session
 neighbor {r.peer_v6} timers connect 1
 !
 address-family ipv4 unicast
  network {r.router_id}/32
  neighbor {r.peer_v4} activate
 exit-address-family
 !
 address-family ipv6 unicast
  network {r.loop_v6}/128
  neighbor {r.peer_v6} activate
 exit-address-family
exit
!
router ospf
 ospf router-id {r.router_id}
exit
!
router ospf6
 ospf6 router-id {r.router_id}
exit
!
"""


# -- the network ----------------------------------------------------------------------------------------------------

SYSCTLS = (
    *(f"net.ipv6.conf.{key}.accept_dad=0" for key in ("all", "default", "lo")),
    "net.ipv4.ip_forward=1",
    "net.ipv6.conf.all.forwarding=1",
)


def _wiring() -> list[str]:
    """``ip -batch`` lines for the machine's namespace: the host's port on the bridge and every veth pair."""
    lines = [
        f"link add {HOST_VETH} type veth peer name host netns {MGMT_NS}",
        f"addr add {HOST_ADDR}/64 dev {HOST_VETH} nodad",
        f"link set {HOST_VETH} up",
    ]
    lines += [f"link add mgmt0 netns {r.netns} type veth peer name {r.name} netns {MGMT_NS}" for r in SPECS]
    lines.append(f"link add eth1 netns {R1.netns} type veth peer name eth1 netns {R2.netns}")
    return lines


def _bridge() -> list[str]:
    ports = ("host", *(r.name for r in SPECS))
    return [
        "link set lo up",
        "link add br0 type bridge",
        "link set br0 up",
        *(f"link set {p} master br0 up" for p in ports),
    ]


def _router_lines(r: RouterSpec) -> list[str]:
    return [
        "link set lo up",
        "link set mgmt0 up",
        f"addr add {r.mgmt_addr}/64 dev mgmt0 nodad",
        f"addr add {r.mgmt_v4}/24 dev mgmt0",
        "link set eth1 up",
    ]


def _plumb() -> None:
    spaces = [*(r.netns for r in SPECS), MGMT_NS]
    os_nodes.ip_batch(f"netns add {ns}" for ns in spaces)
    for ns in spaces:  # before any port exists, so that every port gets them
        os_nodes.run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", *SYSCTLS])
    os_nodes.ip_batch(_wiring())
    os_nodes.ip_batch(_bridge(), netns=MGMT_NS)
    for r in SPECS:
        os_nodes.ip_batch(_router_lines(r), netns=r.netns)


# -- a node's own layer ---------------------------------------------------------------------------------------------


def _keygen(path: Path, comment: str) -> tuple[str, str]:
    os_nodes.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)])
    return path.read_text(), Path(f"{path}.pub").read_text()


def _node_files(r: RouterSpec, host_key: tuple[str, str], authorized: str) -> dict[str, tuple[str, int]]:
    """Path inside the node → (content, mode); what the lab writes for a router, plus the tests' baseline."""
    private, public = host_key
    return {
        "/etc/hostname": (f"{r.name}\n", 0o644),
        "/etc/hosts": (f"127.0.0.1 localhost\n::1 localhost\n{r.mgmt_addr} {r.name}.drvt.test {r.name}\n", 0o644),
        "/etc/machine-id": (f"{r.index:032x}\n", 0o444),
        "/etc/ssh/sshd_config.d/00-hatang-lab.conf": (sshd_config(r.lab_node), 0o644),
        "/etc/ssh/hatang_authorized_keys": (authorized, 0o644),
        "/etc/ssh/ssh_host_ed25519_key": (private, 0o600),
        "/etc/ssh/ssh_host_ed25519_key.pub": (public, 0o644),
        INIT: (NODE_INIT, 0o755),
        "/etc/hatang-lab-router": ("router\n", 0o644),  # NODE_INIT starts FRR where this exists
        "/root/.bashrc": ("", 0o644),  # the machine's own (pyenv and the like) must not run for every SSH command
        "/root/.profile": ("", 0o644),
        "/etc/frr/daemons": (DAEMONS, 0o640),
        "/etc/frr/frr.conf": (frr_conf(r), 0o640),
        "/etc/frr/drvt-baseline.conf": (frr_conf(r), 0o640),
        "/etc/frr/vtysh.conf": ("service integrated-vtysh-config\n", 0o640),
    }


def _make_parents(upper: Path, inside: Path) -> None:
    """Create the folders above ``inside`` in the upper layer with the owner and mode they have on the machine."""
    for folder in reversed(inside.parents[:-1]):
        target = upper / folder.relative_to("/")
        if target.is_dir():
            continue
        target.mkdir()
        with contextlib.suppress(FileNotFoundError):
            st = folder.stat()
            os.chown(target, st.st_uid, st.st_gid)
            target.chmod(st.st_mode & 0o7777)


def _write_layer(upper: Path, files: dict[str, tuple[str, int]]) -> None:
    upper.mkdir()
    for inside, (content, mode) in files.items():
        _make_parents(upper, Path(inside))
        target = upper / inside.lstrip("/")
        target.write_text(content)
        target.chmod(mode)
        if inside.startswith("/etc/frr/"):  # FRR's files belong to frr, like their folder on the machine
            frr = Path("/etc/frr").stat()
            os.chown(target, frr.st_uid, frr.st_gid)


# -- starting, waiting, stopping ------------------------------------------------------------------------------------


def _wait(what: str, probe: Callable[[], bool], timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


def _tcp_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _chrooted_init(netns: str, root: Path) -> int | None:
    """The node's init pid once it runs inside ``root`` (before that it is still the start-up script)."""
    pid = os_nodes.init_pid(netns)
    if pid is None:
        return None
    with contextlib.suppress(OSError):
        if os.readlink(f"/proc/{pid}/root") == str(root):
            return pid
    return None


def _init_of(r: RouterSpec, root: Path) -> int:
    found: list[int] = []

    def probe() -> bool:
        pid = _chrooted_init(r.netns, root)
        found[:] = [pid] if pid is not None else []
        return bool(found)

    _wait(f"{r.name}'s init", probe)
    return found[0]


def _runner(pid: int) -> Callable[[str], subprocess.CompletedProcess[str]]:
    def run(command: str) -> subprocess.CompletedProcess[str]:
        return os_nodes.nsenter(pid, ["sh", "-c", command], timeout=120)

    return run


class Pair:
    """The two routers' files and processes under one folder (a tmpfs); :func:`teardown` undoes it all."""

    def __init__(self, lab: Path) -> None:
        self.lab = lab
        self.key_file = lab / "id_ed25519"
        _, self.authorized = _keygen(self.key_file, "drvt-controller")
        self.known_hosts = lab / "known_hosts"
        self.known_hosts.write_text("")

    def start(self, r: RouterSpec) -> Path:
        """Write the node's own layer, mount its overlay and start it; returns its root."""
        base = self.lab / r.name
        base.mkdir()
        host_key = _keygen(base / "host_key", r.name)
        _write_layer(base / "upper", _node_files(r, host_key, self.authorized))
        with self.known_hosts.open("a") as f:
            f.write(f"{r.mgmt_addr} {' '.join(host_key[1].split()[:2])}\n")
        root = base / "root"
        os_nodes.mount_overlay(Path("/"), base / "upper", base / "work", root)
        os_nodes.start_node(r.netns, root, r.name, _hidden())
        return root

    def ready(self, r: RouterSpec, root: Path) -> Node:
        """Wait until the node's init, sshd and FRR answer."""
        pid = _init_of(r, root)
        node = Node(r.name, r.mgmt_addr, 22, USERNAME, str(self.key_file), str(self.known_hosts), _runner(pid))
        _wait(f"{r.name} to start", lambda: node.run(f"test -e {READY}").returncode == 0)
        _wait(f"sshd on {r.name}", lambda: _tcp_open(r.mgmt_addr, 22))
        _wait(f"FRR on {r.name}", lambda: node.run("vtysh -c 'show version' >/dev/null 2>&1").returncode == 0)
        return node


def _hidden() -> list[str]:
    """The checkout, which the nodes must not see (as in the lab)."""
    here = str(Path(__file__).resolve().parents[2])
    return [here] if here != "/" else []


def _leftovers() -> list[str]:
    """What an earlier run killed before its teardown left: namespaces, the host's port, mounted lab folders."""
    mounted = [str(p) for p in Path(tempfile.gettempdir()).glob(f"{PREFIX}*") if os_nodes.mounts_under(p)]
    return os_nodes.netns_list(PREFIX) + os_nodes.link_names(HOST_VETH) + mounted


def teardown(lab: Path) -> None:
    """Kill every process in the drvt namespaces, unmount ``lab``, delete the namespaces and the host's port."""
    spaces = os_nodes.netns_list(PREFIX)
    os_nodes.kill_all(pid for pids in os_nodes.processes_in(spaces).values() for pid in pids)
    busy = os_nodes.wait_gone(spaces)
    os_nodes.unmount_all(lab)
    os_nodes.ip_batch(f"netns del {ns}" for ns in spaces)
    for link in os_nodes.link_names(HOST_VETH):
        os_nodes.run(["ip", "link", "del", link], check=False)
    problems = [f"processes survive in {', '.join(busy)}"] if busy else []
    if os_nodes.mounts_under(lab):
        problems.append(f"mounts under {lab} are still busy")
    else:
        lab.rmdir()
    if problems:
        raise RuntimeError("driver test teardown: " + "; ".join(problems))


@contextlib.contextmanager
def frr_pair() -> Iterator[tuple[Node, Node]]:
    """Start r1 and r2; yield them; tear everything down, whatever happened in between."""
    left = _leftovers()
    if left:
        raise RuntimeError(
            f"{', '.join(left)} left over from an earlier run; remove them (ip netns/link del, umount -R)"
        )
    lab = Path(tempfile.mkdtemp(prefix=PREFIX))
    try:
        os_nodes.run(["mount", "-t", "tmpfs", "-o", "mode=0700,size=64m", "drvt-lab", str(lab)])
        pair = Pair(lab)
        _plumb()
        roots = [pair.start(r) for r in SPECS]
        yield pair.ready(R1, roots[0]), pair.ready(R2, roots[1])
    finally:
        teardown(lab)
