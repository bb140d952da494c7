"""Telling a USB barcode scanner from a person typing.

A scanner is a keyboard that types a whole code in a burst (a few milliseconds per key) and
presses Enter. A person types at 100 ms or more per key. The counter uses the difference: Enter
after a burst never charges the ticket, even when the field ends up empty; and a burst is looked
up as a code even when it holds letters (Code 39 and Code 128 labels), where typed letters are a
search. A burst that lands after typed text (a name left in the box, a half-typed search) is
still a scan: ``burst_length`` says how many of the box's last characters it typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_SCANNER_GAP_MS = 35  # scanners send a key every 1–20 ms; people, 80 ms and more
MIN_SCAN_LENGTH = 4  # shorter bursts are a person's fast double-tap, not a code


@dataclass
class ScanDetector:
    """Feed it each printable key's time; at Enter, ``is_scan()`` says if it was a burst."""

    max_gap_ms: float = MAX_SCANNER_GAP_MS
    min_length: int = MIN_SCAN_LENGTH
    _times: list[float] = field(default_factory=list)
    _last_scan: float | None = None  # when the last burst's Enter came
    burst_length: int = 0  # characters of the last burst recognised by ``is_scan``

    def key(self, at_ms: float) -> None:
        if self._times and at_ms - self._times[-1] > self.max_gap_ms:
            self._times.clear()  # a pause: what came before was typed, the burst starts here
        self._times.append(at_ms)

    def is_scan(self, enter_at_ms: float) -> bool:
        """Whether the keys just before Enter came as one fast burst. Resets the detector."""
        scanned = (len(self._times) >= self.min_length
                   and enter_at_ms - self._times[-1] <= self.max_gap_ms)
        # A scanner set to send CR and LF, or a double suffix, presses Enter twice at once.
        echo = (not self._times and self._last_scan is not None
                and enter_at_ms - self._last_scan <= self.max_gap_ms)
        self.burst_length = len(self._times) if scanned else 0
        self._times.clear()
        if scanned or echo:
            self._last_scan = enter_at_ms
        return scanned or echo

    def reset(self) -> None:
        self._times.clear()
