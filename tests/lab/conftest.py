"""The hosts' lab, up once for every host-playbook test module, its routers rolled out."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
import yaml

from .hostslab import HOSTS, LAB, MGMT, REPO, SITES, HostsLab, hatang


@pytest.fixture(scope="session")
def hosts_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostsLab]:
    if os.geteuid() != 0:
        pytest.skip("the lab needs root (CI runs as root)")
    root = tmp_path_factory.mktemp("hosts")
    shutil.copytree(REPO / "inventory", root / "inventory")
    lab_spec = {"name": LAB, "sites": SITES, "hosts": HOSTS, "mgmt": MGMT}
    (root / "inventory" / "lab.yaml").write_text(yaml.safe_dump({"lab": lab_spec}, allow_unicode=True))
    hatang("lab", "down", "--name", LAB)
    up = hatang("lab", "up", str(root / "inventory"))
    assert up.returncode == 0, up.stderr
    try:
        lab = HostsLab(root)
        # the lab as built, before any rollout or hardening: the audit the later ones are compared with
        proc, data = lab.audit(out=root / "build-before")
        assert proc.returncode in (1, 4), proc.stdout + proc.stderr
        lab.audits["before"] = data
        out = str(root / "build")
        deploy = hatang("deploy", str(root / "inventory"), "--lab", "--commit", "--out", out)
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        yield lab
    finally:
        hatang("lab", "down", "--name", LAB)
