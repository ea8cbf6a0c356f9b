"""HTTP throughputs driven by ``wrk`` (Debian's package), a C load generator that does not
saturate before the server it measures on two shared cores, with Lua scripts that give every
request its own key or body.

``ensure()`` installs wrk with apt-get when it is missing and we are root, else says how; only
``python -m bench`` needs it, never the tests.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import shutil
import subprocess
import tempfile

THREADS = 1
CONNECTIONS = 50  # the same for every measure

# ``request()`` builds each request from ``make(n)`` (n counts this thread's requests), and
# ``done()`` prints one JSON line the bench parses: counts, errors, latency percentiles (µs).
_SCRIPT = """
local n = 0
local prefix = "%(prefix)s"
wrk.method = "%(method)s"
wrk.headers["Content-Type"] = "application/json"
%(headers)s
%(make)s
request = function()
  n = n + 1
  local path, body = make(n)
  return wrk.format(nil, path, nil, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "status": %%d, "socket": %%d,'
    .. ' "p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclasses.dataclass(frozen=True)
class Measure:
    """What one measure sends: ``make`` is a Lua function ``make(n) -> path, body`` (body may
    be nil) that may use ``prefix`` (unique per run) for unique keys."""

    method: str
    make: str
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    scale: int = 1  # units per request (recipients per batch request)
    # Runs this many times longer: 50 requests of seconds each in flight take that long before
    # the first answer, and a short run would mostly measure that start.
    longer: float = 1.0


@dataclasses.dataclass(frozen=True)
class Run:
    requests: int
    seconds: float
    errors: int  # non-2xx answers plus socket errors and timeouts
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def ensure() -> str:
    """The path of ``wrk``, installed from Debian first when missing and we are root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        installed = subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True)
        if installed.returncode != 0:  # a stale package list
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True)
        found = shutil.which("wrk")
        if found:
            return found
    raise SystemExit(
        "python -m bench drives its throughputs with wrk: install it (apt-get install wrk, as root)"
    )


def run(
    measure: Measure, base: str, *, seconds: float, prefix: str, connections: int = CONNECTIONS
) -> Run:
    """``wrk -t1 -c<connections>`` for ``seconds`` against ``base`` (scheme, host and port)."""
    headers = "\n".join(
        f'wrk.headers["{name}"] = "{value}"' for name, value in measure.headers.items()
    )
    script = _SCRIPT % {
        "prefix": prefix, "method": measure.method, "headers": headers, "make": measure.make,
    }  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        out = subprocess.run(
            [ensure(), f"-t{THREADS}", f"-c{connections}", f"-d{seconds * measure.longer:g}s",
             "--timeout", "60s",
             "-s", file.name, base],
            capture_output=True, text=True, timeout=seconds * measure.longer + 120, check=True,
        )  # fmt: skip
    finally:
        pathlib.Path(file.name).unlink()
    line = next(x for x in out.stdout.splitlines() if x.startswith("WRKJSON "))
    got = json.loads(line.removeprefix("WRKJSON "))
    return Run(
        requests=got["requests"] * measure.scale,
        seconds=got["duration_us"] / 1e6,
        errors=got["status"] + got["socket"],
        p50_ms=got["p50_us"] / 1000,
        p99_ms=got["p99_us"] / 1000,
    )


def batch_body(size: int, definition: str) -> str:
    """A Lua ``make`` for SFMC batch sends of ``size`` recipients with unique message keys."""
    return f"""
make = function(n)
  local parts = {{}}
  for i = 1, {size} do
    parts[i] = string.format('{{"contactKey":"c%d","to":"r%d@example.com",'
      .. '"messageKey":"%s-%d-%d","attributes":{{"N":"%d"}}}}', i, i, prefix, n, i, i)
  end
  return "/messaging/v1/email/messages",
    '{{"definitionKey":"{definition}","recipients":[' .. table.concat(parts, ",") .. ']}}'
end
"""
