"""A server's processes as the kernel sees them: its workers and their resident memory."""

from pathlib import Path

PROC = Path("/proc")


def child_pids(pid: int) -> list[int]:
    """The direct children of a process."""
    children = []
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            # The command name (field 2) is in parentheses and may hold spaces.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return sorted(children)


def worker_pids(master: int) -> list[int]:
    """uvicorn's worker processes under its master (not multiprocessing's resource tracker)."""
    return [pid for pid in child_pids(master) if b"resource_tracker" not in _cmdline(pid)]


def _cmdline(pid: int) -> bytes:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def rss_bytes(pids: list[int]) -> dict[int, int]:
    """Each process's resident set size (VmRSS) in bytes."""
    sizes = {}
    for pid in pids:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes[pid] = int(line.split()[1]) * 1024
    return sizes
