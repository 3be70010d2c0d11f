"""Namespace nodes on this machine: the only module of the lab that runs ``ip``, ``mount`` and ``unshare``.

A node is a network namespace plus its own mount, UTS, IPC and PID namespaces, an overlay of the machine's
root filesystem (its own /etc, /var and /usr changes), a chroot and ``tini`` as its init, running sshd (and FRR
on routers). Everything a lab creates carries the lab's prefix, so that ``down`` finds it again after a crash:
namespaces ``<lab>-<node>``, the management bridge ``<lab>-mgmt`` and its ports, the mounts under the lab folder.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from infra.errors import LabError

NETNS_DIR = Path("/run/netns")
STOP_SIGNAL = signal.SIGKILL


def run(argv: Sequence[str], *, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command; a failure is a LabError with the command and what it printed."""
    proc = subprocess.run(list(argv), input=stdin, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        shown = " ".join(argv[:6]) + (" …" if len(argv) > 6 else "")
        raise LabError(f"'{shown}' failed (exit {proc.returncode}): {(proc.stderr or proc.stdout).strip()[:800]}")
    return proc


def ip_batch(lines: Iterable[str], *, netns: str | None = None) -> None:
    """Run ``ip -batch`` lines (in ``netns`` when given); stops at the first failing line."""
    text = "\n".join(lines)
    if text:
        run(["ip", *(["-n", netns] if netns else []), "-batch", "-"], stdin=text + "\n")


def netns_list(prefix: str) -> list[str]:
    """The network namespaces whose name starts with ``prefix``."""
    if not NETNS_DIR.is_dir():
        return []
    return sorted(p.name for p in NETNS_DIR.iterdir() if p.name.startswith(prefix))


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:
        return None


def processes_in(namespaces: Iterable[str]) -> dict[str, list[int]]:
    """The processes (host pids) living in each of these network namespaces."""
    inodes = {ino: name for name in namespaces if (ino := _inode(NETNS_DIR / name)) is not None}
    found: dict[str, list[int]] = {name: [] for name in inodes.values()}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        ino = _inode(entry / "ns" / "net")
        if ino in inodes:
            found[inodes[ino]].append(int(entry.name))
    return found


def init_pid(netns: str) -> int | None:
    """The host pid of the node's init (pid 1 of its own pid namespace), if it runs."""
    for pid in processes_in([netns]).get(netns, []):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("NSpid:") and line.split()[-1] == "1" and len(line.split()) > 2 and _chrooted(pid):
                return pid
    return None


def _chrooted(pid: int) -> bool:
    """Whether the process already runs in its node's root (the start-up script is still mounting before)."""
    try:
        return os.readlink(f"/proc/{pid}/root") != "/"
    except OSError:
        return False


def kill_all(pids: Iterable[int]) -> None:
    """SIGKILL these processes (the pid-namespace inits take their whole namespace with them)."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, STOP_SIGNAL)


def wait_gone(netns: Iterable[str], timeout: float = 10.0) -> list[str]:
    """Wait until no process lives in these namespaces; the ones still busy are returned."""
    names = list(netns)
    deadline = time.monotonic() + timeout
    while True:
        busy = [n for n, pids in processes_in(names).items() if pids]
        if not busy or time.monotonic() > deadline:
            return busy
        time.sleep(0.05)


def mounts_under(root: Path) -> list[Path]:
    """Mount points at or below ``root``, deepest first."""
    prefix = str(root)
    points = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        point = line.split()[1].replace("\\040", " ")
        if point == prefix or point.startswith(prefix + "/"):
            points.append(Path(point))
    return sorted(points, key=lambda p: len(p.parts), reverse=True)


def unmount_all(root: Path) -> None:
    """Unmount everything mounted at or below ``root`` (lazily when busy)."""
    for point in mounts_under(root):
        if run(["umount", str(point)], check=False).returncode != 0:
            run(["umount", "-l", str(point)], check=False)


def link_names(prefix: str) -> list[str]:
    """Links of the root network namespace whose name starts with ``prefix``."""
    out = run(["ip", "-o", "link", "show"]).stdout
    names = [line.split(":")[1].strip().split("@")[0] for line in out.splitlines() if ":" in line]
    return [n for n in names if n.startswith(prefix)]


NODE_SCRIPT = r"""
set -e
R="$1"; NAME="$2"; shift 2
mount -t tmpfs -o mode=755,nosuid tmpfs "$R/dev"
for d in null zero full random urandom tty; do touch "$R/dev/$d"; mount --bind "/dev/$d" "$R/dev/$d"; done
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,gid=5,mode=620 devpts "$R/dev/pts"
ln -sf pts/ptmx "$R/dev/ptmx"
mount -t tmpfs -o nosuid,nodev tmpfs "$R/dev/shm"
mount --rbind /sys "$R/sys"
mount -o remount,bind,ro "$R/sys" || true
mount -t proc proc "$R/proc"
mount --bind "$R/proc/sys" "$R/proc/sys"
mount --bind "$R/proc/sys/net" "$R/proc/sys/net"
mount -o remount,bind,ro "$R/proc/sys"
mount -t tmpfs -o mode=755 tmpfs "$R/run"
mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
mount -t tmpfs -o mode=700 tmpfs "$R/root/.ssh" 2>/dev/null || true
for hide in "$@"; do [ -d "$R$hide" ] && mount -t tmpfs -o mode=755 tmpfs "$R$hide"; done
hostname "$NAME"
exec setpriv --bounding-set -sys_module,-sys_time,-sys_boot,-sys_rawio \
  chroot "$R" /usr/bin/tini -s -- /bin/sh /usr/local/sbin/hatang-node-init
"""


def start_node(netns: str, root: Path, hostname: str, hide: Sequence[str], *, log: Path | None = None) -> None:
    """Start a node's init in ``netns`` with ``root`` (an overlay) as its filesystem; returns at once.

    The process is started through ``setsid -f`` so that it belongs to no one here: the node outlives this
    command, and the machine's init reaps what is left after ``down``.
    """
    argv = [
        "setsid",
        "-f",
        "ip",
        "netns",
        "exec",
        netns,
        "unshare",
        "--mount",
        "--uts",
        "--ipc",
        "--pid",
        "--fork",
        "--kill-child",
        "--propagation",
        "private",
        "sh",
        "-c",
        NODE_SCRIPT,
        "hatang-node",
        str(root),
        hostname,
        *hide,
    ]
    with open(log or os.devnull, "ab") as sink:  # what the start-up script prints, for 'node not ready' errors
        subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink, check=True)


def mount_overlay(lower: Path, upper: Path, work: Path, target: Path) -> None:
    """Mount an overlay of ``lower`` with ``upper`` as the node's own layer at ``target``."""
    for p in (upper, work, target):
        p.mkdir(parents=True, exist_ok=True)
    run(["mount", "-t", "overlay", "overlay", "-o", f"lowerdir={lower},upperdir={upper},workdir={work}", str(target)])


def nsenter(
    pid: int, argv: Sequence[str], *, stdin: str | None = None, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command inside a running node (all its namespaces, its root and working directory)."""
    cmd = ["nsenter", "-t", str(pid), "-m", "-u", "-i", "-n", "-p", "-r", "-w", *argv]
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=False, timeout=timeout)
