"""NetSuite's clock as seen from this process: the offset between the two, and local-time ambiguity.

NetSuite says what time it is only as account-local text (`SELECT … FROM DUAL`), which once a year
names two moments an hour apart. The offset between the clocks changes slowly, so the previous
measurement picks the right one; rows' times are then read as the latest moment not after "now".
"""

from __future__ import annotations

import msgspec

from gateways.netsuite.account_time import AccountTime

# Rows may carry a time a little after the DUAL reading that preceded their query.
_ROW_AFTER_NOW_SLACK_S = 1.0


class ServerClock(msgspec.Struct, frozen=True):
    """NetSuite's `now`, read between `sent_at` and `received_at` of this process's clock."""

    now: float  # NetSuite's clock, epoch seconds
    sent_at: float
    received_at: float

    @property
    def offset(self) -> float:
        """NetSuite's clock minus this process's clock (best estimate)."""
        return self.now - (self.sent_at + self.received_at) / 2

    def to_local(self, netsuite_epoch: float) -> float:
        """A NetSuite time on this process's clock, as late as the measurement allows.

        NetSuite read `now` at some moment in [sent_at, received_at]; assuming the latest makes every
        converted time late rather than early, which the SKU actor's absorption test needs.
        """
        return netsuite_epoch - (self.now - self.received_at)

    def resolve(self, time: AccountTime, text: str) -> float:
        """The moment a row's local `text` names: the later reading unless that is still to come."""
        earliest, latest = time.interpretations(text)
        return latest if latest <= self.now + _ROW_AFTER_NOW_SLACK_S else earliest


def measure(
    time: AccountTime, text: str, *, sent_at: float, received_at: float, previous: ServerClock | None
) -> ServerClock:
    """Read DUAL's `now` text; in the repeated hour, the reading nearest to the last known offset.

    With no earlier measurement the earlier reading is taken: a cursor set from it re-reads at most
    an hour, never skips one.
    """
    earliest, latest = time.interpretations(text)
    now = earliest
    if latest != earliest and previous is not None:
        expected = (sent_at + received_at) / 2 + previous.offset
        now = min((earliest, latest), key=lambda moment: abs(moment - expected))
    return ServerClock(now, sent_at, received_at)
