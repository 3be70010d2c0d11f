"""Lab life cycle: up, down, status, stop/start of one node, and running a command inside a node.

State lives in ``$HATANG_LAB_DIR/lab-<name>/`` (default ``/run/hatang``): the controller's SSH key, the nodes'
known host keys, the lab's secret values (0600), ``state.json`` and a tmpfs holding every node's own layer.
``down`` needs none of it: it finds the lab's namespaces, links, mounts and processes by their names.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from infra.errors import LabError
from infra.inventory import Inventory, load
from infra.lab import nodes as os_nodes
from infra.lab.files import bare_router_config, gateway_config, lab_secrets, node_files
from infra.lab.pki import PKI_DIR, LabCA
from infra.lab.topology import MGMT_PORT, Node, Topology, build_topology, lab_inventory
from infra.plan import AddressPlan, make_plan
from infra.render.build import build_intents

TOOLS = {
    "ip": "iproute2",
    "unshare": "util-linux",
    "nsenter": "util-linux",
    "setsid": "util-linux",
    "setpriv": "util-linux",
    "ssh-keygen": "openssh-client",
    "/usr/sbin/sshd": "openssh-server",
    "/usr/bin/tini": "tini",
    "/usr/lib/frr/frrinit.sh": "frr",
    "/usr/lib/frr/frr-reload.py": "frr-pythontools",
    "ping": "iputils-ping",
}
READY_TIMEOUT = 90.0


@dataclass(frozen=True, slots=True)
class LabPaths:
    """Where one lab keeps its state on this machine."""

    root: Path

    @classmethod
    def of(cls, name: str) -> LabPaths:
        """The folder of lab ``name`` under ``$HATANG_LAB_DIR`` (default /run/hatang)."""
        return cls(Path(os.environ.get("HATANG_LAB_DIR", "/run/hatang")) / f"lab-{name}")

    @property
    def nodes(self) -> Path:
        """The tmpfs holding every node's own layer."""
        return self.root / "nodes"

    @property
    def pki(self) -> Path:
        """The lab CA (``ca.crt``, ``ca.key``)."""
        return self.root / "pki"

    @property
    def key(self) -> Path:
        """The controller's private key."""
        return self.root / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        """The nodes' host keys."""
        return self.root / "known_hosts"

    @property
    def ssh_config(self) -> Path:
        """An OpenSSH client configuration naming every node (``ssh -F``)."""
        return self.root / "ssh_config"

    @property
    def secrets(self) -> Path:
        """The lab's secret values (mode 0600)."""
        return self.root / "secrets.json"

    @property
    def state(self) -> Path:
        """What ``up`` built."""
        return self.root / "state.json"


def netns_name(lab: str, node: str) -> str:
    """The network namespace of a node."""
    return f"hl.{lab}.{node}"


def link_prefix(lab: str) -> str:
    """The prefix of the lab's links in the machine's own network namespace."""
    return f"hl{lab}."


@dataclass(slots=True)
class LabModel:
    """Everything ``up`` derives from the inventory, before it touches the machine."""

    inv: Inventory
    plan: AddressPlan
    topo: Topology

    @property
    def digest(self) -> str:
        """A fingerprint of the topology (nodes, ports, wires, addresses): what a rollout may not change."""
        data = {
            "lab": self.topo.lab.model_dump(mode="json"),
            "nodes": {
                n.name: [n.kind, n.mgmt_v6, [(p.name, p.network, p.mtu) for p in n.ports], n.addresses, n.routes]
                for n in self.topo.nodes.values()
            },
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def model(path: Path) -> LabModel:
    """Load the inventory and derive its lab (routers on FRR, plan, intents, topology)."""
    inv = lab_inventory(load(path))
    plan = make_plan(inv)
    topo = build_topology(inv, plan, build_intents(inv, plan))
    return LabModel(inv, plan, topo)


def require_root() -> None:
    """Labs create namespaces and mounts: refuse clearly without root."""
    if os.geteuid() != 0:
        raise LabError("the lab needs root (network namespaces, mounts): run it as root, for example with sudo")


def require_tools() -> None:
    """Every program the lab runs is installed, or a LabError names the Debian packages to install."""
    missing = sorted({pkg for tool, pkg in TOOLS.items() if not (Path(tool).exists() or shutil.which(tool))})
    if missing:
        raise LabError(f"missing programs; install the Debian packages {' '.join(missing)} (scripts/setup-system)")


@dataclass(slots=True)
class UpResult:
    """What ``up`` did."""

    name: str
    nodes: int
    routers: int
    gateways: int
    hosts: int
    networks: int
    seconds: float
    already: bool = False


def _keygen(path: Path, comment: str) -> tuple[str, str]:
    path.unlink(missing_ok=True)
    os_nodes.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)])
    private = path.read_text()
    public = Path(f"{path}.pub").read_text()
    return private, public


def _write(root: Path, inside: str, content: str, mode: int) -> None:
    """Write a file into a node's own layer; new folders take the machine's mode and owner (/root stays 0700)."""
    target = root / inside.lstrip("/")
    root.mkdir(parents=True, exist_ok=True)
    parts = Path(inside.lstrip("/")).parent.parts
    for k in range(1, len(parts) + 1):
        folder, machine = root.joinpath(*parts[:k]), Path("/").joinpath(*parts[:k])
        if not folder.exists():
            folder.mkdir()
            if machine.is_dir():
                st = machine.stat()
                folder.chmod(st.st_mode & 0o7777)
                os.chown(folder, st.st_uid, st.st_gid)
    target.write_text(content)
    target.chmod(mode)


def _frr_owner(upper: Path) -> None:
    import pwd

    try:
        frr = pwd.getpwnam("frr")
    except KeyError:
        return
    for p in sorted((upper / "etc/frr").iterdir()):
        os.chown(p, frr.pw_uid, frr.pw_gid)


MODES = {
    "/etc/ssh/ssh_host_ed25519_key": 0o600,
    "/usr/local/sbin/hatang-node-init": 0o755,
    "/etc/sudoers.d/hatang-lab": 0o440,
    f"{PKI_DIR}/host.key": 0o600,
}


def host_certificate(m: LabModel, ca: LabCA, node: Node) -> dict[str, str]:
    """A lab host's PKI files: the lab CA, and a certificate for its name, its services' names and addresses."""
    domain = m.inv.province.domain
    services = sorted({s.fqdn for s in m.inv.services.values() if node.name in s.hosts})
    addresses = [a.split("/")[0] for _port, a in node.addresses] + [node.mgmt_v6, node.mgmt_v4]
    issued = ca.issue(f"{node.name}.{domain}", [node.name, *services], addresses)
    return {f"{PKI_DIR}/ca.crt": ca.cert_pem, f"{PKI_DIR}/host.crt": issued.cert, f"{PKI_DIR}/host.key": issued.key}


def _prepare_node(m: LabModel, paths: LabPaths, node: Node, authorized: str, values: dict[str, str], ca: LabCA) -> str:
    """Write the node's own layer; returns its known_hosts line."""
    work = paths.root / "keys"
    work.mkdir(exist_ok=True)
    private, public = _keygen(work / node.name, f"hatang-lab-{node.name}")
    frr = None
    if node.kind == "router":
        frr = bare_router_config(node)
    elif node.kind == "gateway":
        frr = gateway_config(m.topo, node, m.inv, m.plan, values)
    upper = paths.nodes / node.name / "upper"
    files = node_files(m.topo, node, host_key=private, authorized=authorized, frr_conf=frr)
    if node.kind == "host":
        files |= host_certificate(m, ca, node)
    for inside, content in files.items():
        _write(upper, inside, content, MODES.get(inside, 0o640 if inside.startswith("/etc/frr") else 0o644))
    _write(upper, "/etc/ssh/ssh_host_ed25519_key.pub", public, 0o644)
    if frr is not None:
        _frr_owner(upper)
    key = public.split()[:2]
    return f"{node.name},{node.mgmt_v6},{node.mgmt_v4} {key[0]} {key[1]}\n"


SWITCH = "switch"  # the namespace holding the bridges of the VLAN segments
STUBS = "stubs"  # the namespace holding the far ends of ports nothing in the lab is wired to


def _sysctls(node: Node, rendered: dict[str, str]) -> list[str]:
    """A node's kernel settings: a router's come from its rendered ``.sysctl`` file, plus the lab's own."""
    lab = [
        "net.ipv6.conf.all.accept_dad=0",
        "net.ipv6.conf.default.accept_dad=0",
        "net.ipv6.conf.all.keep_addr_on_down=1",
    ]
    if node.kind == "host":
        return [*lab, "net.ipv6.conf.default.accept_ra=0", "net.ipv6.conf.all.accept_ra=0"]
    if node.kind == "gateway":
        return [*lab, "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1", "net.ipv6.conf.default.forwarding=1"]
    return [*lab, *(f"{k}={v}" for k, v in sysctl_pairs(rendered.get(node.name, "")).items())]


def sysctl_pairs(text: str) -> dict[str, str]:
    """The settings of a sysctl.d file (``key = value`` lines; comments skipped)."""
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line and not line.lstrip().startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def router_sysctls(m: LabModel) -> dict[str, str]:
    """The rendered ``.sysctl`` file of every lab router (forwarding, redirects, what VRRP needs)."""
    from infra.render.render import render_intents

    files = render_intents(m.topo.intents, m.inv.digest).files
    return {name: files.get(f"configs/{name}.sysctl", "") for name in m.topo.intents}


def _wiring(lab: str, topo: Topology) -> tuple[list[str], dict[str, list[str]]]:
    """``ip -batch`` lines for the machine's namespace, and per namespace lines run inside it."""
    ns = {n.name: netns_name(lab, n.name) for n in topo.nodes.values()}
    switch, stubs, bridge = netns_name(lab, SWITCH), netns_name(lab, STUBS), f"{link_prefix(lab)}br"
    root: list[str] = [f"link add {bridge} type bridge", f"link set {bridge} up"]
    inner: dict[str, list[str]] = {switch: [], stubs: []}
    for node in topo.nodes.values():
        root.append(f"link add {MGMT_PORT} netns {ns[node.name]} type veth peer name {link_prefix(lab)}{node.id}")
        root += [f"link set {link_prefix(lab)}{node.id} master {bridge} up"]
    segments = [n for n in topo.networks.values() if n.kind == "segment"]
    for k, _seg in enumerate(segments):
        inner[switch] += [f"link add s{k} type bridge", f"link set s{k} up"]
    seg_index = {seg.name: k for k, seg in enumerate(segments)}
    port_no = 0
    for net in topo.networks.values():
        if net.kind == "link":
            (a, pa), (z, pz) = net.members
            root.append(f"link add {pa} netns {ns[a]} type veth peer name {pz} netns {ns[z]}")
            continue
        for member, port in net.members:
            port_no += 1
            far, peer = (switch, f"p{port_no}") if net.kind == "segment" else (stubs, f"t{port_no}")
            root.append(f"link add {port} netns {ns[member]} type veth peer name {peer} netns {far}")
            if net.kind == "segment":
                inner[switch].append(f"link set {peer} master s{seg_index[net.name]} up")
            else:
                inner[stubs].append(f"link set {peer} up")
    return root, inner


def _node_lines(node: Node, prefix_v6: int, prefix_v4: int) -> list[str]:
    lines = ["link set lo up", f"link set {MGMT_PORT} up"]
    lines += [
        f"addr add {node.mgmt_v6}/{prefix_v6} dev {MGMT_PORT} nodad",
        f"addr add {node.mgmt_v4}/{prefix_v4} dev {MGMT_PORT}",
    ]
    for port in node.ports:
        lines.append(f"link set {port.name} mtu {port.mtu} up")
        for mv in port.macvlans:
            lines += [
                f"link add {mv.name} link {port.name} type macvlan mode bridge",
                f"link set dev {mv.name} addrgenmode random",
                f"link set dev {mv.name} address {mv.mac} mtu {port.mtu} up",
                *(f"addr add {a} dev {mv.name}" + (" nodad" if ":" in a else "") for a in mv.addresses),
            ]
    lines += [f"addr add {a} dev {p}" + (" nodad" if ":" in a else "") for p, a in node.addresses]
    lines += node.routes
    return lines


def _hidden_paths() -> list[str]:
    """Folders of this machine the nodes must not see (the checkout, the lab state)."""
    here = Path(__file__).resolve().parents[2]
    return sorted({str(here), str(Path.cwd().resolve())} - {"/"})


def _wait_ready(m: LabModel, lab: str, timeout: float = READY_TIMEOUT) -> list[str]:
    """Wait until every node answers on SSH and every FRR node's vtysh works; the late ones are returned."""
    deadline = time.monotonic() + timeout

    def ready(node: Node) -> bool:
        while time.monotonic() < deadline:
            if _ssh_open(node.mgmt_v6) and (node.kind == "host" or _frr_up(lab, node)):
                return True
            time.sleep(0.2)
        return False

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(ready, m.topo.nodes.values()))
    return [n.name for n, ok in zip(m.topo.nodes.values(), results, strict=True) if not ok]


def _ssh_open(address: str) -> bool:
    try:
        with socket.create_connection((address, 22), timeout=0.5):
            return True
    except OSError:
        return False


def _frr_up(lab: str, node: Node) -> bool:
    pid = os_nodes.init_pid(netns_name(lab, node.name))
    if pid is None:
        return False
    proc = os_nodes.nsenter(pid, ["vtysh", "-c", "show daemons"], timeout=10)
    return proc.returncode == 0 and "zebra" in proc.stdout and "bgpd" in proc.stdout


@dataclass(slots=True)
class LabState:
    """What ``up`` records: enough for status, exec and the rollout to find every node."""

    name: str
    digest: str
    inventory: str
    controller_v6: str
    controller_v4: str
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def read(cls, paths: LabPaths) -> LabState | None:
        """The recorded state, or None when the lab is not up."""
        try:
            return cls(**json.loads(paths.state.read_text()))
        except (OSError, ValueError, TypeError):
            return None


def _controller(m: LabModel) -> tuple[str, str]:
    mg = m.topo.lab.mgmt
    return str(mg.ipv6.network_address + 254), str(mg.ipv4.network_address + 254)


def _plumb(m: LabModel, lab: str) -> None:
    names = [netns_name(lab, n) for n in (*m.topo.nodes, SWITCH, STUBS)]
    os_nodes.ip_batch(f"netns add {n}" for n in names)
    rendered = router_sysctls(m)
    for node in m.topo.nodes.values():
        settings = _sysctls(node, rendered)
        os_nodes.run(["ip", "netns", "exec", netns_name(lab, node.name), "sysctl", "-q", "-w", *settings])
    os_nodes.run(
        [
            "ip",
            "netns",
            "exec",
            netns_name(lab, SWITCH),
            "sysctl",
            "-q",
            "-w",
            "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1",
        ]
    )
    root, inner = _wiring(lab, m.topo)
    os_nodes.ip_batch(root)
    c6, c4 = _controller(m)
    bridge = f"{link_prefix(lab)}br"
    mg = m.topo.lab.mgmt
    os_nodes.ip_batch(
        [f"addr add {c6}/{mg.ipv6.prefixlen} dev {bridge} nodad", f"addr add {c4}/{mg.ipv4.prefixlen} dev {bridge}"]
    )
    for ns, lines in inner.items():
        os_nodes.ip_batch(lines, netns=ns)
    for node in m.topo.nodes.values():
        os_nodes.ip_batch(_node_lines(node, mg.ipv6.prefixlen, mg.ipv4.prefixlen), netns=netns_name(lab, node.name))


def _write_client_files(m: LabModel, paths: LabPaths, known: list[str]) -> None:
    paths.known_hosts.write_text("".join(known))
    lines = []
    for node in m.topo.nodes.values():
        lines += [
            f"Host {node.name}",
            f"  HostName {node.mgmt_v6}",
            "  User root",
            f"  IdentityFile {paths.key}",
            f"  UserKnownHostsFile {paths.known_hosts}",
            "  StrictHostKeyChecking yes",
            "  IdentitiesOnly yes",
            "",
        ]
    paths.ssh_config.write_text("\n".join(lines))


def up(path: Path) -> UpResult:
    """Build and start the lab of the inventory at ``path`` (nodes, wires, management network)."""
    require_root()
    require_tools()
    started = time.monotonic()
    m = model(path)
    lab = m.topo.lab.name
    paths = LabPaths.of(lab)
    state = LabState.read(paths)
    counts = {k: sum(1 for n in m.topo.nodes.values() if n.kind == k) for k in ("router", "gateway", "host")}
    result = UpResult(
        lab, len(m.topo.nodes), counts["router"], counts["gateway"], counts["host"], len(m.topo.networks), 0.0
    )
    if state is not None and os_nodes.netns_list(f"hl.{lab}."):
        if state.digest != m.digest:
            raise LabError(f"lab {lab!r} is up with another topology: run 'hatang lab down' first")
        result.already = True
        return result
    down(lab)
    try:
        _build(m, paths)
    except BaseException as exc:
        try:
            down(lab)
        except LabError as cleanup:
            raise LabError(f"{exc}; and tearing the half-built lab down failed: {cleanup}") from exc
        raise
    result.seconds = time.monotonic() - started
    return result


def _build(m: LabModel, paths: LabPaths) -> None:
    lab = m.topo.lab.name
    paths.root.mkdir(parents=True, exist_ok=True)
    paths.root.chmod(0o700)
    paths.nodes.mkdir(exist_ok=True)
    os_nodes.run(["mount", "-t", "tmpfs", "-o", "mode=700", "hatang-lab", str(paths.nodes)])
    _, public = _keygen(paths.key, f"hatang-lab-{lab}-controller")
    values = lab_secrets(m.inv, dict(os.environ))
    paths.secrets.write_text(json.dumps(values))
    paths.secrets.chmod(0o600)
    ca = LabCA(lab)
    paths.pki.mkdir(mode=0o700, exist_ok=True)
    (paths.pki / "ca.crt").write_text(ca.cert_pem)
    (paths.pki / "ca.key").write_text(ca.key_pem)
    (paths.pki / "ca.key").chmod(0o600)
    known = [_prepare_node(m, paths, node, public, values, ca) for node in m.topo.nodes.values()]
    _write_client_files(m, paths, known)
    _plumb(m, lab)
    for node in m.topo.nodes.values():
        base = paths.nodes / node.name
        os_nodes.mount_overlay(Path("/"), base / "upper", base / "work", base / "root")
        os_nodes.start_node(
            netns_name(lab, node.name), base / "root", node.name, _hidden_paths(), log=base / "start.log"
        )
    late = _wait_ready(m, lab)
    if late:
        logs = ", ".join(str(paths.nodes / n / "start.log") for n in late[:3])
        raise LabError(f"nodes not ready after {READY_TIMEOUT:.0f} s: {', '.join(late)} (start-up output: {logs})")
    c6, c4 = _controller(m)
    state = LabState(lab, m.digest, str(m.inv.root), c6, c4)
    for node in m.topo.nodes.values():
        state.nodes[node.name] = {
            "kind": node.kind,
            "site": node.site,
            "mgmt_v6": node.mgmt_v6,
            "mgmt_v4": node.mgmt_v4,
        }
    paths.state.write_text(json.dumps(asdict(state), indent=1))


@dataclass(slots=True)
class DownResult:
    """What ``down`` removed."""

    name: str
    namespaces: int
    processes: int
    mounts: int
    links: int


def down(lab: str) -> DownResult:
    """Remove everything of lab ``lab`` from this machine; safe to run again, and after a crash."""
    require_root()
    paths = LabPaths.of(lab)
    spaces = os_nodes.netns_list(f"hl.{lab}.")
    procs = [pid for pids in os_nodes.processes_in(spaces).values() for pid in pids]
    os_nodes.kill_all(procs)
    busy = os_nodes.wait_gone(spaces)
    if busy:
        raise LabError(f"processes of lab {lab!r} survive SIGKILL in {', '.join(busy)}; try again")
    mounts = len(os_nodes.mounts_under(paths.root))
    os_nodes.unmount_all(paths.root)
    os_nodes.ip_batch(f"netns del {n}" for n in spaces)
    links = os_nodes.link_names(link_prefix(lab))
    for name in sorted(links, key=lambda n: n.endswith(".br")):  # veth ends may vanish with their namespace
        os_nodes.run(["ip", "link", "del", name], check=False)
    if os_nodes.mounts_under(paths.root):
        raise LabError(f"mounts under {paths.root} are still busy; close shells inside the lab and try again")
    shutil.rmtree(paths.root, ignore_errors=True)
    return DownResult(lab, len(spaces), len(procs), mounts, len(links))


@dataclass(slots=True)
class NodeStatus:
    """One node as it is now."""

    name: str
    kind: str
    site: str
    mgmt_v6: str
    running: bool
    processes: int


def status(lab: str) -> tuple[LabState | None, list[NodeStatus]]:
    """The recorded lab and whether each node runs (processes in its namespace)."""
    paths = LabPaths.of(lab)
    state = LabState.read(paths)
    if state is None:
        return None, []
    procs = os_nodes.processes_in(netns_name(lab, n) for n in state.nodes)
    out = []
    for name, info in state.nodes.items():
        pids = procs.get(netns_name(lab, name), [])
        out.append(NodeStatus(name, info["kind"], info["site"], info["mgmt_v6"], bool(pids), len(pids)))
    return state, out


def _running_state(lab: str) -> LabState:
    state = LabState.read(LabPaths.of(lab))
    if state is None:
        raise LabError(f"lab {lab!r} is not up: run 'hatang lab up' first")
    return state


def node_pid(lab: str, node: str) -> int:
    """The init pid of a running node, or a LabError saying why there is none."""
    state = _running_state(lab)
    if node not in state.nodes:
        raise LabError(f"no lab node {node!r}; the lab has: {', '.join(state.nodes)}")
    pid = os_nodes.init_pid(netns_name(lab, node))
    if pid is None:
        raise LabError(f"lab node {node!r} is stopped: 'hatang lab start {node}'")
    return pid


def exec_in(lab: str, node: str, argv: list[str]) -> int:
    """Run a command inside a node with this terminal; its exit code."""
    require_root()
    pid = node_pid(lab, node)
    cmd = ["nsenter", "-t", str(pid), "-m", "-u", "-i", "-n", "-p", "-r", "-w", *(argv or ["/bin/bash", "-l"])]
    return subprocess.run(cmd, check=False).returncode


def stop_node(lab: str, node: str) -> None:
    """Stop one node (every process in it), as a power cut would; its wires and files stay."""
    require_root()
    pid = node_pid(lab, node)
    spaces = [netns_name(lab, node)]
    os_nodes.kill_all([pid, *os_nodes.processes_in(spaces)[spaces[0]]])
    if os_nodes.wait_gone(spaces):
        raise LabError(f"lab node {node!r} did not stop")


def start_node(lab: str, node: str) -> None:
    """Start a stopped node again on its kept filesystem layer."""
    require_root()
    state = _running_state(lab)
    if node not in state.nodes:
        raise LabError(f"no lab node {node!r}; the lab has: {', '.join(state.nodes)}")
    if os_nodes.init_pid(netns_name(lab, node)) is not None:
        return
    root = LabPaths.of(lab).nodes / node / "root"
    os_nodes.start_node(netns_name(lab, node), root, node, _hidden_paths())
    deadline = time.monotonic() + READY_TIMEOUT
    while not _ssh_open(state.nodes[node]["mgmt_v6"]):
        if time.monotonic() > deadline:
            raise LabError(f"lab node {node!r} did not answer on SSH after {READY_TIMEOUT:.0f} s")
        time.sleep(0.2)
