"""CI's short soak: bench/soak.py for a few seconds, with its kill -9 and restart, must end in a
reconciled report (nothing lost, nothing finished twice). The full soak runs for minutes."""

from __future__ import annotations

import subprocess
import sys


def test_short_soak_reconciles() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench.soak", "--seconds", "6"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "reconciled: nothing lost" in run.stdout
