"""Ansible inventories read in place: INI, YAML or `ansible-inventory --list` JSON, with
ranges, children, group and host vars (group_vars/ and host_vars/ too).

Modules: inventory (the model), formats (the file formats), variables (reading and
merging), hosts (to console hosts), load (at configuration load), convert (import-ansible).
"""
