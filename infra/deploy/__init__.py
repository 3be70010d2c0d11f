"""Deploy: push rendered configurations to devices through NAPALM drivers, in health-gated waves."""
