"""What every use case runs against: this till's store, its identity and its wall clock.

Screens hold one ``Till`` and hand it to the services; they never see a connection. Tests,
the demo and the screenshot tool pass their own ``now`` instead of patching modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from pos_client.store.database import Database
from pos_client.store.device import Device
from shared.clock import utc_now


@dataclass
class Till:
    db: Database
    device: Device
    # Timezone-aware UTC, like shared.clock.utc_now; the shop's zone is applied when shown.
    now: Callable[[], datetime] = field(default=utc_now)
