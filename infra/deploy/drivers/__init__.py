"""NAPALM drivers hatang ships (FRR) and the map from inventory platforms to NAPALM driver names."""
