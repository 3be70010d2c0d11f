"""Stage ②: the address plan — a pure function of the inventory."""

from infra.plan.allocate import make_plan
from infra.plan.model import AddressPlan, Block, DevicePlan, HostPlan, LinkPlan, SitePlan, VlanPlan

__all__ = ["AddressPlan", "Block", "DevicePlan", "HostPlan", "LinkPlan", "SitePlan", "VlanPlan", "make_plan"]
