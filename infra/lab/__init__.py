"""The lab twin: namespace nodes built from the inventory's ``lab`` selection (FRR routers, Linux hosts)."""
