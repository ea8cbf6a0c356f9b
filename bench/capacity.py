"""The capacity model: what one delivered event costs, and what that projects to on more cores.

Two cores cannot show scaling, so the bench measures the cost of the work instead, which does
not depend on how busy the machine is: per event delivered end to end (accepted by an API
process, sent by a worker's sender, its webhook POSTed by a worker's dispatcher), the CPU
seconds of each Tidings process and of PostgreSQL (every process of the cluster, from /proc),
the statements and transactions PostgreSQL ran (pg_stat_statements, pg_stat_database), and
the statements that take a lock spanning processes (advisory locks).

The projection rests on one assumption, stated with it: the work is CPU-bound and spreads over
processes with nothing serialising them (no global lock: see the lock figures), so events/s on
C cores is C divided by the CPU seconds per event; with PostgreSQL on its own machine, the
Tidings tier scales out and PostgreSQL's cores bound the rate at P / (its CPU per event).
"""

from __future__ import annotations

import dataclasses
import os
import pathlib

_TICK = os.sysconf("SC_CLK_TCK")
CORES = (4, 8, 16, 32)


def cpu_s(pid: int, *, children: bool = False) -> float:
    """User + system CPU seconds of a process (and of its children it has waited for)."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    used = int(fields[11]) + int(fields[12])
    if children:
        used += int(fields[13]) + int(fields[14])
    return used / _TICK


def cluster_cpu_s(data: pathlib.Path) -> float:
    """Every PostgreSQL process of the cluster at ``data``: the postmaster with the backends it
    has reaped, plus the live ones."""
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    total = cpu_s(postmaster, children=True)
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == postmaster:
            total += (int(fields[11]) + int(fields[12])) / _TICK
    return total


@dataclasses.dataclass(frozen=True)
class Cost:
    """Per delivered event."""

    events: int
    seconds: float
    api_cpu_s: float
    worker_cpu_s: float
    pg_cpu_s: float
    statements: float
    transactions: float
    lock_statements: float  # advisory locks spanning processes

    @property
    def tidings_cpu_s(self) -> float:
        return self.api_cpu_s + self.worker_cpu_s

    @property
    def total_cpu_s(self) -> float:
        return self.tidings_cpu_s + self.pg_cpu_s

    def one_machine(self, cores: int) -> float:
        """Events/s on ``cores`` running Tidings and PostgreSQL together."""
        return cores / self.total_cpu_s

    def pg_bound(self, cores: int) -> float:
        """Events/s PostgreSQL alone allows on ``cores`` of its own."""
        return cores / self.pg_cpu_s

    def lines(self) -> list[str]:
        us = 1e6
        out = [
            f"{self.events} events delivered in {self.seconds:.1f} s; per event: API process "
            f"{self.api_cpu_s * us:.0f} µs CPU, worker {self.worker_cpu_s * us:.0f} µs, "
            f"PostgreSQL {self.pg_cpu_s * us:.0f} µs",
            f"per event: {self.statements:.1f} statements, {self.transactions:.2f} transactions,"
            f" {self.lock_statements:.3f} cross-process lock statements",
            "assumption: CPU-bound, spread over api and worker processes with no lock between "
            "them, every core busy",
        ]
        for cores in CORES:
            out.append(
                f"{cores:2d} cores, all on one machine: {self.one_machine(cores):8.0f} events/s; "
                f"PostgreSQL alone on {cores} cores allows {self.pg_bound(cores):8.0f} events/s"
            )
        ratio = self.tidings_cpu_s / self.pg_cpu_s
        out.append(
            f"PostgreSQL becomes the limit once the Tidings tier has {ratio:.1f}x PostgreSQL's "
            "cores (Tidings CPU per event / PostgreSQL CPU per event)"
        )
        return out
