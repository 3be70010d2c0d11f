"""The ``lab`` and ``deploy`` commands: printing and exit codes around ``infra.lab`` and ``infra.deploy``."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from infra.errors import UsageError

EXIT_OK, EXIT_FAILED = 0, 1


def _lab_name(args: argparse.Namespace) -> str:
    if getattr(args, "name", None):
        return str(args.name)
    from infra.inventory import load

    inv = load(Path(args.inventory))
    if inv.lab is None:
        raise UsageError(f"{args.inventory} has no 'lab' section (see docs/lab.md)")
    return inv.lab.name


def cmd_lab_up(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Build and start the lab."""
    from infra.lab import control

    r = control.up(Path(args.inventory))
    if r.already:
        out.write(f"lab {r.name} is already up ({r.nodes} nodes)\n")
    else:
        out.write(
            f"lab {r.name} up in {r.seconds:.1f} s: {r.routers} routers, {r.gateways} gateways, {r.hosts} hosts, "
            f"{r.networks} networks; ssh -F {control.LabPaths.of(r.name).ssh_config} NODE\n"
        )
    return EXIT_OK


def cmd_lab_down(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Tear the lab down."""
    from infra.lab import control

    r = control.down(_lab_name(args))
    if r.namespaces == r.mounts == r.links == 0:
        out.write(f"lab {r.name}: nothing to remove\n")
    else:
        out.write(
            f"lab {r.name} down: {r.namespaces} namespaces, {r.processes} processes, {r.mounts} mounts, "
            f"{r.links} links removed\n"
        )
    return EXIT_OK


def cmd_lab_status(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Show the lab's nodes."""
    from infra.lab import control

    name = _lab_name(args)
    state, nodes = control.status(name)
    if args.format == "json":
        out.write(json.dumps({"lab": name, "up": state is not None, "nodes": [asdict(n) for n in nodes]}) + "\n")
        return EXIT_OK if state is not None else EXIT_FAILED
    if state is None:
        out.write(f"lab {name} is not up\n")
        return EXIT_FAILED
    running = sum(1 for n in nodes if n.running)
    out.write(f"lab {name}: {running} of {len(nodes)} nodes running (inventory {state.inventory})\n")
    for n in nodes:
        out.write(f"  {n.name:<40} {n.kind:<8} {n.mgmt_v6:<20} {'running' if n.running else 'STOPPED'}\n")
    return EXIT_OK if running == len(nodes) else EXIT_FAILED


def cmd_lab_exec(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run a command (or a shell) inside a node."""
    from infra.lab import control

    argv = [a for a in args.argv if a != "--"] if args.argv else []
    return control.exec_in(_lab_name(args), args.node, argv)


def cmd_lab_stop(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Stop or start one node."""
    from infra.lab import control

    name = _lab_name(args)
    if args.lab_command == "stop":
        control.stop_node(name, args.node)
        out.write(f"lab {name}: {args.node} stopped\n")
    else:
        control.start_node(name, args.node)
        out.write(f"lab {name}: {args.node} started\n")
    return EXIT_OK


def cmd_lab_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Write the lab description for the Vagrantfile."""
    from infra.lab import control
    from infra.lab.export import export

    path = export(control.model(Path(args.inventory)), Path(args.out))
    out.write(f"wrote {path} (vagrant up reads it; see docs/lab.md)\n")
    return EXIT_OK


def add_lab_parser(sub: Any, default_inventory: str) -> None:
    """The ``lab`` command and its subcommands."""
    lab = sub.add_parser(
        "lab",
        help="build, inspect and tear down the lab twin (namespace nodes, FRR routers; needs root)",
        description="The lab twin of the inventory's 'lab' selection, as namespace nodes on this machine.",
    )
    lsub = lab.add_subparsers(dest="lab_command", required=True, metavar="SUBCOMMAND")

    def common(p: argparse.ArgumentParser, positional: bool = True) -> None:
        if positional:
            p.add_argument("inventory", nargs="?", default=default_inventory, help="inventory (default: inventory)")
        else:
            p.add_argument("--inventory", "-i", default=default_inventory, help="inventory (default: inventory)")

    p = lsub.add_parser("up", help="build and start the lab (idempotent when it is already up)")
    common(p)
    p.set_defaults(func=cmd_lab_up)
    p = lsub.add_parser("down", help="remove every namespace, mount, process and link of the lab (idempotent)")
    common(p)
    p.add_argument("--name", help="the lab's name, when the inventory cannot be read")
    p.set_defaults(func=cmd_lab_down)
    p = lsub.add_parser("status", help="list the nodes and whether they run")
    common(p)
    p.add_argument("--name", help="the lab's name, instead of reading the inventory")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_lab_status)
    p = lsub.add_parser("exec", help="run a command inside a node (a shell without one)")
    common(p, positional=False)
    p.add_argument("node")
    p.add_argument("argv", nargs=argparse.REMAINDER, help="the command, after --")
    p.set_defaults(func=cmd_lab_exec)
    for verb, text in (("stop", "stop one node, as a power cut would"), ("start", "start a stopped node again")):
        p = lsub.add_parser(verb, help=text)
        common(p, positional=False)
        p.add_argument("node")
        p.set_defaults(func=cmd_lab_stop)
    p = lsub.add_parser("export", help="write the lab description the Vagrantfile reads")
    common(p)
    p.add_argument("--out", default="build/lab", help="folder (default: build/lab)")
    p.set_defaults(func=cmd_lab_export)
