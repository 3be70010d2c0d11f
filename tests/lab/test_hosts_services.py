"""Web services and logs to the SOC on real lab hosts (HOST-12, HOST-15, HOST-21), through ``hatang hosts --lab``.

The shared hosts' lab (see hostslab.py): portal-web-01 serves the province's portal, soc-log-01 is the SOC's log
collector. The commune's router plays a citizen at another site: it reaches the portal across the WAN twin, over
IPv6 and IPv4, and trusts only the lab's CA (the province's CA in production).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest

from infra.lab import control

from .hostslab import HOSTS, LAB, HostsLab

pytestmark = [pytest.mark.slow]

WEB = "portal-web-01"
SOC = "soc-log-01"
CA = "/tmp/hatang-lab-ca.crt"  # where the commune's router keeps the lab CA for curl
SOC_DIR = "/var/log/hatang-soc"


def _until(check: Callable[[], bool], seconds: float, step: float = 1.0) -> bool:
    """Whether ``check`` comes true within ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        if check():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(step)


def _commune_router() -> str:
    """The lab's router at the commune site (its CE)."""
    state = control.LabState.read(control.LabPaths.of(LAB))
    assert state is not None, f"lab {LAB} is not up"
    routers = sorted(n for n, v in state.nodes.items() if v["site"] == "xa-da-loc" and v["kind"] == "router")
    assert routers, state.nodes
    return routers[0]


def _sources(hosts_lab: HostsLab, node: str) -> tuple[str, str]:
    """The router's loopback addresses (IPv6, IPv4): the commune's own prefixes, which the WAN routes."""
    out = hosts_lab.sh(node, "ip -o addr show dev lo scope global")
    addresses = [line.split()[3].split("/")[0] for line in out.splitlines()]
    return next(a for a in addresses if ":" in a), next(a for a in addresses if ":" not in a)


@pytest.fixture(scope="module")
def web(hosts_lab: HostsLab) -> dict[str, str]:
    """The portal's planned addresses and name, the client at the commune (with the lab CA) and its sources."""
    host_vars = hosts_lab.host_vars(WEB)
    fqdn = next(s["fqdn"] for s in host_vars["hatang_services"] if 443 in s["ports"])
    client = _commune_router()
    ca = (control.LabPaths.of(LAB).pki / "ca.crt").read_text()
    hosts_lab.sh(client, f"cat > {CA} <<'EOF'\n{ca.strip()}\nEOF\n")
    src6, src4 = _sources(hosts_lab, client)
    addresses = host_vars["hatang_addresses"]
    return {"fqdn": fqdn, "client": client, "v6": addresses["gua"], "v4": addresses["ipv4"], "src6": src6, "src4": src4}


def _curl(web: dict[str, str], family: str, args: str, url_path: str = "/", scheme: str = "https") -> str:
    """A curl command from the commune to the portal's planned address of ``family`` (v6, v4), by service name."""
    port = 443 if scheme == "https" else 80
    target, source = (f"[{web['v6']}]", web["src6"]) if family == "v6" else (web["v4"], web["src4"])
    return (
        f"curl -sS --max-time 10 --cacert {CA} --interface {source} "
        f"--resolve {web['fqdn']}:{port}:{target} {args} {scheme}://{web['fqdn']}{url_path}"
    )


def _soc_log(hosts_lab: HostsLab, sender: str) -> str:
    return hosts_lab.run(SOC, f"cat {SOC_DIR}/{sender}/syslog.log").stdout


def test_apply_serves_the_portal_and_forwards_logs(hosts_lab: HostsLab) -> None:
    # earlier modules may have stopped and started a node: the run (re)starts what it needs
    proc, data = hosts_lab.hosts()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {name: h["failures"] for name, h in data["hosts"].items()} == {h: [] for h in HOSTS}
    for host in HOSTS:
        assert hosts_lab.run(host, "pidof rsyslogd").returncode == 0, host
    assert hosts_lab.run(WEB, "pidof nginx").returncode == 0
    assert hosts_lab.run(SOC, "pidof nginx").returncode != 0  # its only service is syslog: no web server


def test_a_second_run_of_these_roles_changes_nothing(hosts_lab: HostsLab) -> None:
    proc, data = hosts_lab.hosts("--tags", "syslog,service")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {name: h["changed"] for name, h in data["hosts"].items()} == dict.fromkeys(HOSTS, 0)


def test_the_portal_answers_over_ipv6_and_ipv4_from_the_commune(hosts_lab: HostsLab, web: dict[str, str]) -> None:
    for family in ("v6", "v4"):
        page = hosts_lab.sh(web["client"], _curl(web, family, ""))
        assert f"served by {WEB}" in page, family
        headers = hosts_lab.sh(web["client"], _curl(web, family, "-o /dev/null -D -")).lower()
        assert headers.startswith("http/1.1 200"), headers
        assert "strict-transport-security: max-age=" in headers
        assert "server: nginx" in headers.splitlines()  # no version (server_tokens off)
    # both families, each on its own socket (HOST-12)
    sockets = hosts_lab.sh(WEB, "ss -Htln '( sport = :443 )'")
    assert "0.0.0.0:443" in sockets, sockets
    assert "[::]:443" in sockets, sockets


def test_tls_1_1_is_refused_and_tls_1_2_accepted(hosts_lab: HostsLab, web: dict[str, str]) -> None:
    for family in ("v6", "v4"):
        # the client allows TLS 1.1 (security level 0): the refusal is the server's (alert protocol_version)
        old = hosts_lab.run(web["client"], _curl(web, family, "--tlsv1.1 --tls-max 1.1 --ciphers DEFAULT@SECLEVEL=0"))
        assert old.returncode == 35, old.stdout + old.stderr
        assert "alert protocol version" in old.stderr
        status = hosts_lab.sh(
            web["client"], _curl(web, family, "--tlsv1.2 --tls-max 1.2 -o /dev/null -w '%{http_code}'")
        )
        assert status == "200", family


def test_http_redirects_to_https(hosts_lab: HostsLab, web: dict[str, str]) -> None:
    for family in ("v6", "v4"):
        out = hosts_lab.sh(
            web["client"],
            _curl(web, family, "-o /dev/null -w '%{http_code} %{redirect_url}'", "/tin-tuc?trang=2", scheme="http"),
        )
        assert out == f"301 https://{web['fqdn']}/tin-tuc?trang=2", family


def test_a_log_line_reaches_the_soc_over_tls(hosts_lab: HostsLab) -> None:
    soc6 = hosts_lab.host_vars(SOC)["hatang_addresses"]["gua"]
    web6 = hosts_lab.host_vars(WEB)["hatang_addresses"]["gua"]
    line = f"hatang-test {uuid.uuid4()}"
    hosts_lab.sh(WEB, f"logger -t hatang-test '{line}'")
    assert _until(lambda: line in _soc_log(hosts_lab, WEB), 30), f"{line!r} not on {SOC}"
    assert hosts_lab.sh(SOC, f"stat -c %a {SOC_DIR}/{WEB}/syslog.log").strip() == "640"
    # the sender's connection to the collector's planned IPv6 address, port 6514 (syslog over TLS only)
    sent = hosts_lab.sh(WEB, "ss -Htn state established '( dport = :6514 )'")
    assert f"[{soc6}]:6514" in sent, sent
    received = hosts_lab.sh(SOC, "ss -Htn state established '( sport = :6514 )'")
    assert f"[{web6}]" in received, received


def test_lines_logged_while_the_collector_is_down_are_kept_on_disk_and_arrive_later(hosts_lab: HostsLab) -> None:
    mark = uuid.uuid4().hex
    kept = [f"hatang-kept {mark} {n}" for n in (1, 2)]
    hosts_lab.sh(SOC, "service rsyslog stop")
    try:
        # TCP syslog has no acknowledgements: the line that finds the connection closed may be lost. Wait until
        # the sender has given up on every collector (in this lab the second one, soc-log-02, is not there) and
        # keeps what comes next for the first one.
        hosts_lab.sh(WEB, f"logger -t hatang-probe {mark}")
        given_up = f"sed -n '/hatang-probe: {mark}/,$p' /var/log/syslog | grep -q \"hold' suspended\""
        assert _until(lambda: hosts_lab.run(WEB, given_up).returncode == 0, 60), "the sender did not give up"
        for line in kept:
            hosts_lab.sh(WEB, f"logger -t hatang-test '{line}'")
        # kept on disk: with the sender's rsyslog stopped too, they are in its queue files
        time.sleep(2)
        hosts_lab.sh(WEB, "service rsyslog stop")
        spool = hosts_lab.run(WEB, "cat /var/spool/rsyslog/hatang-soc*").stdout
        hosts_lab.sh(WEB, "service rsyslog start")
        assert all(line in spool for line in kept), spool[-2000:]
        assert not any(line in _soc_log(hosts_lab, WEB) for line in kept)
    finally:
        hosts_lab.sh(SOC, "service rsyslog start")
    assert _until(lambda: all(line in _soc_log(hosts_lab, WEB) for line in kept), 90), "the kept lines did not arrive"


def test_a_sender_without_a_certificate_of_the_province_is_refused(hosts_lab: HostsLab) -> None:
    soc6 = hosts_lab.host_vars(SOC)["hatang_addresses"]["gua"]
    fqdn = hosts_lab.host_vars(WEB)["hatang_fqdn"]
    soc_name = hosts_lab.host_vars(SOC)["hatang_fqdn"]
    # a self-signed certificate with the host's own name: right name, wrong issuer
    hosts_lab.sh(
        WEB,
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
        f"-subj /CN={fqdn} -addext subjectAltName=DNS:{fqdn} -keyout /tmp/rogue.key -out /tmp/rogue.crt 2>/dev/null",
    )
    before = int(hosts_lab.sh(SOC, "wc -l < /var/log/syslog"))
    lines = {}
    for who, cert, key in (
        ("ca-signed", "/etc/hatang/pki/host.crt", "/etc/hatang/pki/host.key"),
        ("self-signed", "/tmp/rogue.crt", "/tmp/rogue.key"),
    ):
        lines[who] = f"hatang-tls {who} {uuid.uuid4()}"
        hosts_lab.run(
            WEB,
            f"(printf '<13>1 - {WEB} hatang-tls - - - {lines[who]}\\n'; sleep 2) | timeout 10 openssl s_client "
            f"-connect [{soc6}]:6514 -servername {soc_name} -verify_hostname {soc_name} "
            f"-verify_return_error -CAfile /etc/hatang/pki/ca.crt -cert {cert} -key {key} >/dev/null 2>&1",
        )
    # the same client with the host's certificate gets through, so the refusal is the certificate's
    assert _until(lambda: lines["ca-signed"] in _soc_log(hosts_lab, WEB), 30)
    everything = hosts_lab.run(SOC, f"cat {SOC_DIR}/*/syslog.log").stdout
    assert lines["self-signed"] not in everything
    refused = "not permitted to talk to peer, certificate invalid: signer not found"
    said = f"tail -n +{before + 1} /var/log/syslog | grep -q '{refused}'"
    assert _until(lambda: hosts_lab.run(SOC, said).returncode == 0, 10), "the collector did not refuse the peer"
