"""``napalm.get_network_driver("frr")`` looks for a module named ``napalm_frr``: this one, hatang's FRR driver."""

from __future__ import annotations

from infra.deploy.drivers.frr import FRRDriver

__all__ = ["FRRDriver"]
