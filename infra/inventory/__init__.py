"""Stage ①: the province inventory — file format, loading, validation and inheritance."""

from infra.inventory.load import load
from infra.inventory.resolve import Device, EffectiveSite, Inventory

__all__ = ["Device", "EffectiveSite", "Inventory", "load"]
