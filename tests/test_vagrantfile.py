"""The top-level Vagrantfile: Vagrant validates it, and loading it with a stub Vagrant records the machines it defines.

The sample export in tests/data/lab/ is written by hand (3 routers, 1 gateway, 1 host). The scripts the Vagrantfile puts
in the VMs are run here too: the boot script that names the NICs runs in a network namespace with veths that carry the
export's MACs under the kernel's names.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
VAGRANTFILE = ROOT / "Vagrantfile"
SAMPLE = Path(__file__).resolve().parent / "data" / "lab"
PACKAGES = ("vagrant", "vagrant-libvirt")

# Loads a Vagrantfile with a stand-in `Vagrant` module that records every call and assignment as JSON.
STUB = r"""
require "json"

class HatangRecorder
  def initialize
    @data = {}
  end

  def to_json(*args)
    @data.to_json(*args)
  end

  def respond_to_missing?(_name, _include_private = false)
    false
  end

  def method_missing(name, *args, **kwargs, &block)
    key = name.to_s
    return (@data[key.chomp("=")] = args.first) if key.end_with?("=")
    return (@data[key] ||= HatangRecorder.new) if args.empty? && kwargs.empty? && block.nil?

    call = { "call" => key, "args" => args, "kwargs" => kwargs }
    if block
      inner = HatangRecorder.new
      block.call(inner, key == "ruby" ? HatangStubMachine.new : HatangRecorder.new)
      call["block"] = inner
    end
    (@data["calls"] ||= []) << call
    nil
  end
end

# What a trigger's ruby block is given as the machine: only its provider, from STUB_PROVIDER.
class HatangStubMachine
  def provider_name
    ENV.fetch("STUB_PROVIDER", "libvirt").to_sym
  end
end

module Vagrant
  CONFIGS = []

  def self.configure(version)
    config = HatangRecorder.new
    yield config
    CONFIGS << { "version" => version, "config" => config }
  end
end

load ARGV[0]
puts JSON.generate(Vagrant::CONFIGS)
"""

PUT = re.compile(r"^hatang_put (\S+) (\d+) (\S+)((?: \S+=\S*)*) <<'HATANG_B64'\n(.*?)\nHATANG_B64$", re.M | re.S)


# --- helpers -------------------------------------------------------------------------------------------------------


Run = subprocess.CompletedProcess[str]


def _run(argv: list[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None, timeout: int = 120) -> Run:
    """Run ``argv``; the caller's HATANG_* and VAGRANT_* variables are not passed on, only those in ``env``."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("HATANG_", "VAGRANT_"))}
    full = {**inherited, **(env or {})}
    return subprocess.run(argv, capture_output=True, text=True, env=full, cwd=cwd, timeout=timeout, check=False)


def _installed(package: str) -> bool:
    out = _run(["dpkg-query", "-W", "-f=${Status}", package])
    return out.returncode == 0 and out.stdout.endswith("ok installed")


def _apt_install(packages: tuple[str, ...]) -> None:
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    argv = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    out = _run(argv, env=env, timeout=900)
    if out.returncode != 0:  # an empty or stale package list: refresh once
        _run(["apt-get", "update", "-q"], env=env, timeout=300)
        out = _run(argv, env=env, timeout=900)
    assert out.returncode == 0, f"apt-get install {' '.join(packages)} failed:\n{out.stdout}\n{out.stderr}"


@pytest.fixture(scope="session")
def vagrant_installed() -> None:
    missing = tuple(p for p in PACKAGES if not _installed(p))
    if missing:
        _apt_install(missing)


def _lab() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLE / "lab.json").read_text(encoding="utf-8"))
    return data


def _nodes() -> dict[str, dict[str, Any]]:
    return {node["name"]: node for node in _lab()["nodes"]}


def _colonless(mac: str) -> str:
    return mac.replace(":", "").lower()


@pytest.fixture(scope="session")
def vagrant_home(vagrant_installed: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Vagrant home of the test session (Vagrant sets one up on first use), so that ~/.vagrant.d stays untouched."""
    return tmp_path_factory.mktemp("vagrant.d")


def _vagrant(vagrant_home: Path, cwd: Path, *args: str, **env: str) -> Run:
    """`vagrant ARGS` with the Vagrantfile under test copied into ``cwd`` (Vagrant writes .vagrant/ there)."""
    shutil.copy(VAGRANTFILE, cwd / "Vagrantfile")
    full = {"VAGRANT_HOME": str(vagrant_home), "VAGRANT_CHECKPOINT_DISABLE": "1", **env}
    return _run(["vagrant", *args], env=full, cwd=cwd)


def _record(tmp_path: Path, **env: str) -> Run:
    stub = tmp_path / "stub.rb"
    stub.write_text(STUB, encoding="utf-8")
    full = {"HATANG_LAB": str(SAMPLE / "lab.json"), **env}
    return _run(["ruby", str(stub), str(VAGRANTFILE)], env=full)


def _machines(tmp_path: Path, **env: str) -> dict[str, dict[str, Any]]:
    out = _record(tmp_path, **env)
    assert out.returncode == 0, out.stderr
    (configs,) = json.loads(out.stdout)
    assert configs["version"] == "2"
    defines = [c for c in configs["config"]["vm"]["calls"] if c["call"] == "define"]
    return {c["args"][0]: c["block"] for c in defines}


def _calls(machine: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    return [c for c in machine["vm"]["calls"] if c["call"] == name]


def _provider(machine: Mapping[str, Any], provider: str) -> dict[str, Any]:
    (call,) = [c for c in _calls(machine, "provider") if c["args"] == [provider]]
    block: dict[str, Any] = call["block"]
    return block


def _provision(machine: Mapping[str, Any], name: str) -> dict[str, Any]:
    (call,) = [c for c in _calls(machine, "provision") if c["args"] == [name]]
    kwargs: dict[str, Any] = call["kwargs"]
    return kwargs


def _puts(script: str) -> dict[str, tuple[str, str, bytes]]:
    """Files the install script writes: path -> (mode, owner, content)."""
    return {m[1]: (m[2], m[3], base64.b64decode(m[5].replace("\n", ""))) for m in PUT.finditer(script)}


def _scripts(tmp_path: Path) -> dict[str, dict[str, tuple[str, str, bytes]]]:
    machines = _machines(tmp_path)
    return {name: _puts(_provision(m, "hatang-install")["inline"]) for name, m in machines.items()}


# --- Vagrant itself ------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("vagrant_installed")
def test_ruby_syntax_is_valid() -> None:
    out = _run(["ruby", "-c", str(VAGRANTFILE)])
    assert out.returncode == 0, out.stderr
    assert "Syntax OK" in out.stdout


@pytest.mark.slow
def test_vagrant_validates_the_sample_without_a_provider(vagrant_home: Path, tmp_path: Path) -> None:
    out = _vagrant(vagrant_home, tmp_path, "validate", "--ignore-provider", HATANG_LAB=str(SAMPLE / "lab.json"))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Vagrantfile validated successfully" in out.stdout
    for name in _nodes():
        assert f"==> {name}:" in out.stdout


@pytest.mark.slow
def test_vagrant_validates_the_libvirt_provider_config(vagrant_home: Path, tmp_path: Path) -> None:
    # vagrant-libvirt checks its own settings (unknown ones too) and every NIC's MAC, without a libvirt daemon.
    env = {"HATANG_LAB": str(SAMPLE / "lab.json"), "VAGRANT_DEFAULT_PROVIDER": "libvirt"}
    out = _vagrant(vagrant_home, tmp_path, "validate", **env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Vagrantfile validated successfully" in out.stdout


@pytest.mark.slow
def test_vagrant_validates_the_real_export_of_the_sample_lab(vagrant_home: Path, tmp_path: Path) -> None:
    from infra.lab import control
    from infra.lab.export import export

    path = export(control.model(Path(__file__).resolve().parents[1] / "inventory"), tmp_path / "export")
    env = {"HATANG_LAB": str(path), "VAGRANT_DEFAULT_PROVIDER": "libvirt"}
    out = _vagrant(vagrant_home, tmp_path, "validate", **env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Vagrantfile validated successfully" in out.stdout
    listed = _vagrant(vagrant_home, tmp_path, "validate", "--ignore-provider", HATANG_LAB=str(path))
    assert listed.returncode == 0, listed.stdout + listed.stderr
    for name in ("dc-chinh-core1", "gw-phu-yen-1", "portal-web-01", "xa-da-loc-ce1"):
        assert f"==> {name}:" in listed.stdout


@pytest.mark.slow
def test_vagrant_reads_the_default_export_next_to_the_vagrantfile(vagrant_home: Path, tmp_path: Path) -> None:
    shutil.copytree(SAMPLE, tmp_path / "build" / "lab")
    out = _vagrant(vagrant_home, tmp_path, "validate", "--ignore-provider")
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.slow
def test_vagrant_without_an_export_says_to_run_the_export(vagrant_home: Path, tmp_path: Path) -> None:
    out = _vagrant(vagrant_home, tmp_path, "validate", "--ignore-provider")
    assert out.returncode != 0
    assert "run hatang lab export first" in out.stderr
    assert str(tmp_path / "build" / "lab" / "lab.json") in out.stderr


# --- the machines, recorded with a stub Vagrant --------------------------------------------------------------------


@pytest.mark.usefixtures("vagrant_installed")
def test_every_node_becomes_a_machine_of_the_export_box(tmp_path: Path) -> None:
    out = _record(tmp_path)
    assert out.returncode == 0, out.stderr
    (configs,) = json.loads(out.stdout)
    vm = configs["config"]["vm"]
    assert vm["box"] == _lab()["box"]
    assert {"call": "synced_folder", "args": [".", "/vagrant"], "kwargs": {"disabled": True}} in vm["calls"]
    assert list(_machines(tmp_path)) == [node["name"] for node in _lab()["nodes"]]


@pytest.mark.usefixtures("vagrant_installed")
def test_management_nic_has_the_node_address_and_mac(tmp_path: Path) -> None:
    lab = _lab()
    for name, machine in _machines(tmp_path).items():
        node = _nodes()[name]
        mgmt = _calls(machine, "network")[0]
        assert mgmt["args"] == ["private_network"]
        kw = mgmt["kwargs"]
        assert kw["ip"] == node["mgmt"]["ipv4"]
        assert kw["netmask"] == str(ipaddress.ip_network(lab["mgmt"]["ipv4"]).netmask)
        assert kw["mac"] == _colonless(node["mgmt"]["mac"])
        assert kw["auto_config"] is False
        assert kw["virtualbox__adapter_ip"] == lab["mgmt"]["controller_ipv4"]
        assert kw["libvirt__host_ip"] == lab["mgmt"]["controller_ipv4"]
        assert kw["libvirt__ipv6_address"] == lab["mgmt"]["controller_ipv6"]
        assert kw["libvirt__ipv6_prefix"] == str(ipaddress.ip_network(lab["mgmt"]["ipv6"]).prefixlen)


@pytest.mark.usefixtures("vagrant_installed")
def test_each_interface_is_a_nic_with_its_mac_on_its_network(tmp_path: Path) -> None:
    for name, machine in _machines(tmp_path).items():
        node = _nodes()[name]
        nics = [c["kwargs"] for c in _calls(machine, "network")[1:]]
        assert len(nics) == len(node["interfaces"])
        for nic, iface, adapter in zip(nics, node["interfaces"], range(3, 99), strict=False):
            assert nic["mac"] == _colonless(iface["mac"])
            assert nic["auto_config"] is False
            assert "ip" not in nic
            assert nic["virtualbox__intnet"] == f"phu-yen-{iface['network']}"
            assert nic["virtualbox__adapter"] == adapter
            assert nic["libvirt__network_name"] == f"phu-yen-{iface['network']}"
            assert nic["libvirt__forward_mode"] == "veryisolated"
            assert nic["libvirt__mtu"] == iface["mtu"]


@pytest.mark.usefixtures("vagrant_installed")
def test_networks_join_exactly_their_members(tmp_path: Path) -> None:
    attached: dict[str, set[tuple[str, str]]] = {}
    for name, machine in _machines(tmp_path).items():
        macs = {iface["mac"].replace(":", ""): iface["name"] for iface in _nodes()[name]["interfaces"]}
        for call in _calls(machine, "network")[1:]:
            port = (name, macs[call["kwargs"]["mac"]])
            attached.setdefault(call["kwargs"]["virtualbox__intnet"], set()).add(port)
    expected = {
        f"phu-yen-{net['name']}": {(m["node"], m["interface"]) for m in net["members"]} for net in _lab()["networks"]
    }
    assert attached == expected
    assert len(expected["phu-yen-s1"]) == 4


@pytest.mark.usefixtures("vagrant_installed")
def test_vm_size_is_small_and_set_by_environment(tmp_path: Path) -> None:
    for name, machine in _machines(tmp_path).items():
        for provider in ("virtualbox", "libvirt"):
            assert _provider(machine, provider)["memory"] == 512
            assert _provider(machine, provider)["cpus"] == 1
        assert _provider(machine, "virtualbox")["name"] == f"phu-yen-{name}"
    env = {"HATANG_VM_MEMORY_ROUTER": "768", "HATANG_VM_MEMORY_HOST": "384", "HATANG_VM_CPUS": "2"}
    sized = _machines(tmp_path, **env)
    for name, node in _nodes().items():
        want = 384 if node["kind"] == "host" else 768
        assert _provider(sized[name], "virtualbox")["memory"] == want
        assert _provider(sized[name], "libvirt")["memory"] == want
        assert _provider(sized[name], "libvirt")["cpus"] == 2


@pytest.mark.usefixtures("vagrant_installed")
def test_lab_nics_accept_virtual_macs_on_virtualbox(tmp_path: Path) -> None:
    machine = _machines(tmp_path)["gw-phu-yen-1"]
    customize = [c["args"][0] for c in _provider(machine, "virtualbox")["calls"] if c["call"] == "customize"]
    assert customize == [["modifyvm", "id", f"--nicpromisc{n}", "allow-all"] for n in (3, 4)]


@pytest.mark.usefixtures("vagrant_installed")
def test_bad_environment_value_is_a_clear_error(tmp_path: Path) -> None:
    out = _record(tmp_path, HATANG_VM_CPUS="two")
    assert out.returncode != 0
    assert 'hatang: HATANG_VM_CPUS must be a whole number, not "two"' in out.stderr


@pytest.mark.usefixtures("vagrant_installed")
def test_missing_export_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "lab.json"
    out = _record(tmp_path, HATANG_LAB=str(missing))
    assert out.returncode != 0
    assert f"hatang: lab export not found: {missing}" in out.stderr
    assert "run hatang lab export first" in out.stderr
    assert out.stdout == ""


@pytest.mark.usefixtures("vagrant_installed")
def test_inconsistent_export_lists_every_problem(tmp_path: Path) -> None:
    lab = _lab()
    lab["nodes"][1]["interfaces"][0]["mac"] = lab["nodes"][0]["interfaces"][0]["mac"]
    lab["networks"][0]["members"][1]["interface"] = "c9"
    lab["nodes"][4]["files"][0]["source"] = "nodes/none/motd"
    export = tmp_path / "lab" / "lab.json"
    shutil.copytree(SAMPLE, export.parent)
    export.write_text(json.dumps(lab), encoding="utf-8")
    out = _record(tmp_path, HATANG_LAB=str(export))
    assert out.returncode != 0
    assert f"hatang: {export} does not describe a lab this Vagrantfile can build" in out.stderr
    assert "MAC 02:48:00:01:00:01 is used 2 times" in out.stderr
    assert "network n1: member gw-phu-yen-1 c9 is not an interface of that node on this network" in out.stderr
    assert "node gw-phu-yen-1 interface c1: network n1 does not list it" in out.stderr
    assert f"source {export.parent / 'nodes/none/motd'} does not exist" in out.stderr


@pytest.mark.usefixtures("vagrant_installed")
def test_other_export_format_is_refused(tmp_path: Path) -> None:
    export = tmp_path / "lab.json"
    export.write_text(json.dumps({**_lab(), "format": "hatang-lab/9"}), encoding="utf-8")
    out = _record(tmp_path, HATANG_LAB=str(export))
    assert out.returncode != 0
    assert 'format "hatang-lab/9" is not hatang-lab/1; re-run hatang lab export' in out.stderr


def test_no_address_or_mac_is_typed_in_the_vagrantfile() -> None:
    text = VAGRANTFILE.read_text(encoding="utf-8")
    typed = []
    for token in re.findall(r"(?<![\w:.])[0-9A-Fa-f:.]{2,}(?![\w:.])", text):
        try:
            addr = ipaddress.ip_address(token)
        except ValueError:
            continue
        if not addr.is_loopback:  # 127.0.1.1 is Debian's line for the machine's own name
            typed.append(token)
    typed += re.findall(r"\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\b", text)
    assert typed == []
    for network in ("fd00", "10.255", "2001:db8", "192.0.2", "198.51.100"):
        assert network not in text


# --- what the provisioning writes into the VMs ---------------------------------------------------------------------


@pytest.mark.usefixtures("vagrant_installed")
def test_provisioning_installs_and_reboots_then_checks(tmp_path: Path) -> None:
    for name, machine in _machines(tmp_path).items():
        names = [c["args"][0] for c in _calls(machine, "provision")]
        assert names == ["hatang-install", "hatang-check"]
        install = _provision(machine, "hatang-install")
        assert install["type"] == "shell"
        assert install["reboot"] is True
        frr = "apt-get install -y -q frr frr-pythontools" in install["inline"]
        assert frr == (_nodes()[name]["kind"] in ("router", "gateway"))
        check = _provision(machine, "hatang-check")["inline"]
        for iface in _nodes()[name]["interfaces"]:
            assert f"/sys/class/net/{iface['name']}/address" in check
        assert ("frr.service" in check) == frr


@pytest.mark.usefixtures("vagrant_installed")
def test_export_files_are_written_with_their_mode_and_content(tmp_path: Path) -> None:
    scripts = _scripts(tmp_path)
    for name, node in _nodes().items():
        for file in node["files"]:
            mode, owner, content = scripts[name][file["path"]]
            assert mode == file["mode"]
            assert owner == ("frr:frr" if file["path"].startswith("/etc/frr/") else "root:root")
            assert content == (SAMPLE / file["source"]).read_bytes()
        assert scripts[name]["/usr/local/sbin/hatang-lab-up"][:2] == ("0755", "root:root")
        unit = scripts[name]["/etc/systemd/system/hatang-lab.service"][2].decode()
        assert "ExecStart=/usr/local/sbin/hatang-lab-up @NAT_MAC@" in unit
        assert "Before=network-pre.target frr.service" in unit


@pytest.mark.usefixtures("vagrant_installed")
def test_generated_scripts_are_valid_bash(tmp_path: Path) -> None:
    for name, machine in _machines(tmp_path).items():
        texts = {
            "install": _provision(machine, "hatang-install")["inline"],
            "check": _provision(machine, "hatang-check")["inline"],
        }
        for path, (_mode, _owner, content) in _puts(texts["install"]).items():
            if path.startswith("/usr/local/sbin/"):
                texts[path] = content.decode()
        for what, text in texts.items():
            out = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True, check=False)
            assert out.returncode == 0, f"{name} {what}: {out.stderr}"


@pytest.mark.usefixtures("vagrant_installed")
def test_boot_script_runs_commands_in_export_order(tmp_path: Path) -> None:
    scripts = _scripts(tmp_path)
    for name, node in _nodes().items():
        up = scripts[name]["/usr/local/sbin/hatang-lab-up"][2].decode()
        positions = [up.index(command) for command in node["commands"]]
        assert positions == sorted(positions)
        assert up.index("rename_links\n") < up.index("sysctl -q -w") < up.index("ip addr replace") < positions[0]


# --- the boot script for real, in network namespaces ---------------------------------------------------------------


NAT_MAC = "52:54:00:7a:00:01"


def _ip(ns: str, *args: str) -> str:
    out = _run(["ip", "-n", ns, *args])
    assert out.returncode == 0, f"ip -n {ns} {' '.join(args)}: {out.stderr}"
    return out.stdout


@pytest.fixture
def netns_pair() -> Iterator[tuple[str, str]]:
    tag = uuid.uuid4().hex[:8]
    vm, peer = f"hatang-vm-{tag}", f"hatang-peer-{tag}"
    try:
        for ns in (vm, peer):
            assert _run(["ip", "netns", "add", ns]).returncode == 0
        yield vm, peer
    finally:
        for ns in (vm, peer):
            _run(["ip", "netns", "del", ns])


def _plug(vm: str, peer: str, kernel_names: dict[str, str]) -> None:
    """One veth per MAC, named in the VM namespace as the kernel would name the NIC; peers are up."""
    for i, (mac, name) in enumerate(kernel_names.items()):
        veth = f"ip link add {name} netns {vm} address {mac} type veth peer name p{i} netns {peer}"
        out = _run(veth.split())
        assert out.returncode == 0, out.stderr
        _ip(peer, "link", "set", f"p{i}", "up")


def _links(ns: str) -> dict[str, dict[str, Any]]:
    return {link["ifname"]: link for link in json.loads(_ip(ns, "-j", "addr", "show"))}


def _boot(tmp_path: Path, vm: str, node: str) -> Run:
    script = tmp_path / "hatang-lab-up"
    script.write_bytes(_scripts(tmp_path)[node]["/usr/local/sbin/hatang-lab-up"][2])
    return _run(["ip", "netns", "exec", vm, "bash", str(script), NAT_MAC.upper()])


@pytest.mark.usefixtures("vagrant_installed")
def test_boot_script_names_and_addresses_a_host(tmp_path: Path, netns_pair: tuple[str, str]) -> None:
    vm, peer = netns_pair
    node = _nodes()["dc-chinh-dns-res-01"]
    # The kernel's eth0 is Vagrant's NIC, while the export wants eth0 for the lab segment.
    _plug(vm, peer, {NAT_MAC: "eth0", node["mgmt"]["mac"]: "eth1", node["interfaces"][0]["mac"]: "eth2"})
    out = _boot(tmp_path, vm, node["name"])
    assert out.returncode == 0, out.stderr
    links = _links(vm)
    assert {name: link["address"] for name, link in links.items() if name != "lo"} == {
        "vagrant0": NAT_MAC,
        "lab0": node["mgmt"]["mac"],
        "eth0": node["interfaces"][0]["mac"],
    }
    addrs = {name: {f"{a['local']}/{a['prefixlen']}" for a in link["addr_info"]} for name, link in links.items()}
    assert {"10.255.0.5/24", "fd00:0:0:ff::5/64"} <= addrs["lab0"]
    assert {"192.0.2.25/24", "2001:db8:5410::25/64"} <= addrs["eth0"]
    assert links["eth0"]["mtu"] == 1500
    assert all("UP" in links[name]["flags"] for name in ("vagrant0", "lab0", "eth0"))
    assert "default via 192.0.2.1 dev eth0" in _ip(vm, "route")
    assert "default via 2001:db8:5410::1 dev eth0" in _ip(vm, "-6", "route")
    sysctl = _run(["ip", "netns", "exec", vm, "sysctl", "-n", "net.ipv6.conf.eth0.accept_ra"])
    assert sysctl.stdout.strip() == "0"
    assert "+ ip -6 route add default via 2001:db8:5410::1" in out.stderr  # each command is shown as it runs


@pytest.mark.usefixtures("vagrant_installed")
def test_boot_script_swaps_kernel_names_of_a_router(tmp_path: Path, netns_pair: tuple[str, str]) -> None:
    vm, peer = netns_pair
    node = _nodes()["dc-chinh-wan1"]
    eth1, eth2, eth3 = (iface["mac"] for iface in node["interfaces"])
    _plug(vm, peer, {NAT_MAC: "eth0", eth2: "eth1", eth1: "eth2", node["mgmt"]["mac"]: "eth3", eth3: "eth4"})
    out = _boot(tmp_path, vm, node["name"])
    assert out.returncode == 0, out.stderr
    names = {name: link["address"] for name, link in _links(vm).items() if name != "lo"}
    assert names == {"vagrant0": NAT_MAC, "lab0": node["mgmt"]["mac"], "eth1": eth1, "eth2": eth2, "eth3": eth3}
    forwarding = _run(["ip", "netns", "exec", vm, "sysctl", "-n", "net.ipv6.conf.all.forwarding"])
    assert forwarding.stdout.strip() == "1"


@pytest.mark.usefixtures("vagrant_installed")
def test_nat_script_renames_the_box_dhcp_stanza(tmp_path: Path) -> None:
    nat = tmp_path / "hatang-lab-nat"
    nat.write_bytes(_scripts(tmp_path)["dc-chinh-wan1"]["/usr/local/sbin/hatang-lab-nat"][2])
    interfaces = tmp_path / "interfaces"
    box = (
        "source-directory /etc/network/interfaces.d\n\nauto lo\niface lo inet loopback\n\n"
        "# The primary network interface\nallow-hotplug eth0\niface eth0 inet dhcp\n"
    )
    interfaces.write_text(box, encoding="utf-8")
    out = _run(["bash", str(nat), "eth0", str(interfaces)])
    assert out.returncode == 0, out.stderr
    assert interfaces.read_text(encoding="utf-8") == box.replace(
        "allow-hotplug eth0\niface eth0 inet dhcp\n", "auto vagrant0\niface vagrant0 inet dhcp\n    metric 1000\n"
    )
    again = _run(["bash", str(nat), "vagrant0", str(interfaces)])
    assert again.returncode == 0
    assert interfaces.read_text(encoding="utf-8").count("metric 1000") == 1
    other = tmp_path / "other"
    other.write_text("auto lo\niface lo inet loopback\n", encoding="utf-8")
    refused = _run(["bash", str(nat), "eth0", str(other)])
    assert refused.returncode == 1
    assert "no ifupdown stanza for eth0" in refused.stderr


# --- secrets ---------------------------------------------------------------------------------------------------------

SECRET = "s3/cr$t&\\x 'q'"  # characters that sed, perl or the shell would take for syntax


def _functions(script: str) -> str:
    """The shell functions an install script defines (hatang_put, hatang_need_secrets)."""
    return "".join(re.findall(r"^hatang_\w+\(\) \{\n.*?^\}\n", script, re.M | re.S))


@pytest.mark.usefixtures("vagrant_installed")
def test_secrets_reach_only_the_provisioning_environment(tmp_path: Path) -> None:
    machines = _machines(tmp_path, HATANG_BGP_TSLCD=SECRET)
    for name in ("dc-chinh-wan1", "dc-chinh-wan2", "gw-phu-yen-1"):
        install = _provision(machines[name], "hatang-install")
        assert install["env"] == {"HATANG_BGP_TSLCD": SECRET}
        assert install["sensitive"] is True
        assert "hatang_need_secrets bgp-tslcd=HATANG_BGP_TSLCD" in install["inline"]
        assert SECRET not in install["inline"]
    for name in ("dc-chinh-core1", "dc-chinh-dns-res-01"):
        install = _provision(machines[name], "hatang-install")
        assert install["env"] == {}
        assert install["sensitive"] is False
        assert "hatang_need_secrets " not in install["inline"]
    unset = _provision(_machines(tmp_path)["gw-phu-yen-1"], "hatang-install")
    assert unset["env"] == {}


@pytest.mark.usefixtures("vagrant_installed")
def test_secrets_are_filled_in_when_files_are_written(tmp_path: Path) -> None:
    script = _provision(_machines(tmp_path)["gw-phu-yen-1"], "hatang-install")["inline"]
    (put,) = [m for m in PUT.finditer(script) if m[1] == "/etc/frr/frr.conf"]
    assert put[4] == " bgp-tslcd=HATANG_BGP_TSLCD"
    (daemons,) = [m for m in PUT.finditer(script) if m[1] == "/etc/frr/daemons"]
    assert daemons[4] == ""
    target = tmp_path / "etc" / "frr.conf"
    line = put[0].replace("hatang_put /etc/frr/frr.conf 0640 frr:frr", f"hatang_put {target} 0640 root:root")
    out = _run(["bash", "-c", f"set -euo pipefail\n{_functions(script)}\n{line}\n"], env={"HATANG_BGP_TSLCD": SECRET})
    assert out.returncode == 0, out.stderr
    text = target.read_text(encoding="utf-8")
    source = (SAMPLE / "nodes" / "gw-phu-yen-1" / "frr.conf").read_text(encoding="utf-8")
    assert text == source.replace("${secret:bgp-tslcd}", SECRET)
    assert text.count(f"password {SECRET}\n") == 4
    assert oct(target.stat().st_mode & 0o777) == "0o640"
    assert SECRET not in out.stdout + out.stderr


@pytest.mark.usefixtures("vagrant_installed")
def test_missing_secret_stops_provisioning_with_its_variable(tmp_path: Path) -> None:
    script = _provision(_machines(tmp_path)["gw-phu-yen-1"], "hatang-install")["inline"]
    check = "hatang_need_secrets bgp-tslcd=HATANG_BGP_TSLCD other-key=\n"
    out = _run(
        ["bash", "-c", f"set -euo pipefail\n{_functions(script)}\n{check}echo reached"], env={"HATANG_BGP_TSLCD": ""}
    )
    assert out.returncode == 1
    assert "reached" not in out.stdout
    assert (
        "hatang: gw-phu-yen-1 needs secrets from the host's environment: bgp-tslcd ($HATANG_BGP_TSLCD) "
        "other-key (not among the export's secrets); set them and run vagrant provision gw-phu-yen-1"
    ) in out.stderr
    assert script.index("hatang_need_secrets bgp-tslcd") < script.index("hatang_put ")


# --- VirtualBox's NIC limit ------------------------------------------------------------------------------------------


def _wide_export(tmp_path: Path, extra: int) -> Path:
    """The sample with ``extra`` more interfaces on the gateway, each on a network of its own."""
    lab = _lab()
    gateway = next(node for node in lab["nodes"] if node["name"] == "gw-phu-yen-1")
    for k in range(3, 3 + extra):
        gateway["interfaces"].append(
            {"name": f"c{k}", "network": f"x{k}", "mac": f"02:48:00:04:00:{k:02x}", "mtu": 1500}
        )
        lab["networks"].append(
            {"name": f"x{k}", "kind": "link", "members": [{"node": gateway["name"], "interface": f"c{k}"}]}
        )
    export = tmp_path / "wide" / "lab.json"
    shutil.copytree(SAMPLE, export.parent)
    export.write_text(json.dumps(lab), encoding="utf-8")
    return export


@pytest.mark.usefixtures("vagrant_installed")
def test_node_with_more_nics_than_virtualbox_allows_stops_only_virtualbox(tmp_path: Path) -> None:
    export = _wide_export(tmp_path, 5)  # 2 + 7 lab interfaces = 9 NICs
    out = _record(tmp_path, HATANG_LAB=str(export), STUB_PROVIDER="virtualbox")
    assert out.returncode != 0
    assert (
        "hatang: gw-phu-yen-1 needs 9 NICs and VirtualBox gives a VM 8; use vagrant up --provider=libvirt" in out.stderr
    )
    machines = _machines(tmp_path, HATANG_LAB=str(export), STUB_PROVIDER="libvirt")
    (trigger,) = [c for c in machines["gw-phu-yen-1"]["trigger"]["calls"] if c["call"] == "before"]
    assert trigger["args"] == ["up", "reload"]
    assert "trigger" not in machines["dc-chinh-wan1"]
    fits = _machines(tmp_path, HATANG_LAB=str(_wide_export(tmp_path / "fits", 4)), STUB_PROVIDER="virtualbox")
    assert "trigger" not in fits["gw-phu-yen-1"]


@pytest.mark.slow
def test_vagrant_validates_the_nic_limit_trigger(vagrant_home: Path, tmp_path: Path) -> None:
    out = _vagrant(vagrant_home, tmp_path, "validate", "--ignore-provider", HATANG_LAB=str(_wide_export(tmp_path, 5)))
    assert out.returncode == 0, out.stdout + out.stderr
