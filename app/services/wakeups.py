"""Who to wake once work is committed: the sender (messages queued or released) and the
webhook dispatcher (events or deliveries queued).

The runtime builds one at start; the service that commits the work calls it, so no handler
decides when a worker runs. Across processes, PostgreSQL NOTIFY does the same for deliveries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable


def _nobody() -> None:
    return None


@dataclasses.dataclass(frozen=True)
class Wakeups:
    sender: Callable[[], None] = _nobody
    dispatcher: Callable[[], None] = _nobody


NOBODY = Wakeups()  # for scripts and tests that run no workers
