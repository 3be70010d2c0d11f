"""Stage ③: render every device's configuration and the Ansible inventory from the inventory and the plan."""
