"""Data-centre hosts: the playbooks under ``playbooks/`` run through ansible-runner from the inventory."""
