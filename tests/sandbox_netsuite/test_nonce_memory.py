"""The verifier remembers used nonces as long as the ±300 s window could accept them, and no longer."""

from __future__ import annotations

import pytest

from sandbox.netsuite.auth import TokenVerifier
from sandbox.netsuite.clock import SandboxClock
from sandbox.netsuite.config import Credentials
from sandbox.netsuite.errors import NetSuiteApiError

from .tba_client import TbaClient

URL = "http://127.0.0.1:1/services/rest/record/v1/customer"
START = 1_800_000_000.0


class FakeWallClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def wall() -> FakeWallClock:
    return FakeWallClock()


@pytest.fixture
def verifier(wall: FakeWallClock) -> TokenVerifier:
    return TokenVerifier(Credentials.generate(), SandboxClock(), wall_time=wall)


def _sign(verifier: TokenVerifier, nonce: str, timestamp: float) -> str:
    signer = TbaClient(None, "", verifier.credentials)  # type: ignore[arg-type]  # only signs
    return signer.sign("GET", URL, nonce=nonce, timestamp=int(timestamp))


def _accepted(verifier: TokenVerifier, authorization: str) -> bool:
    try:
        verifier.verify("GET", URL, authorization, b"")
    except NetSuiteApiError:
        return False
    return True


def test_a_nonce_reused_anywhere_inside_the_window_is_refused(
    verifier: TokenVerifier, wall: FakeWallClock
) -> None:
    signed = _sign(verifier, "nonce-first", START)
    assert _accepted(verifier, signed)
    for later in (1, 299, 300):
        wall.now = START + later
        # Other traffic in between runs the expiry; it must not forget the nonce early.
        assert _accepted(verifier, _sign(verifier, f"other-{later}", wall.now))
        assert not _accepted(verifier, signed), later
        assert verifier.audit_trail[-1].detail == "NonceUsed"


def test_nonces_too_old_for_the_window_are_forgotten(verifier: TokenVerifier, wall: FakeWallClock) -> None:
    for n in range(50):
        wall.now = START + n
        assert _accepted(verifier, _sign(verifier, f"nonce-{n:03}", wall.now))
    assert len(verifier._used_nonces) == 50
    wall.now = START + 49 + 2 * verifier.tolerance_seconds - 0.5
    assert _accepted(verifier, _sign(verifier, "nonce-late", wall.now))
    # Used at START+0..START+49; the horizon is START+48.5: only the last one and the new one stay.
    assert sorted(verifier._used_nonces) == [
        ("nonce-049", str(int(START + 49))),
        ("nonce-late", str(int(wall.now))),
    ]


def test_a_wall_clock_stepping_back_never_forgets_a_nonce_early(
    verifier: TokenVerifier, wall: FakeWallClock
) -> None:
    wall.now = START + 100
    assert _accepted(verifier, _sign(verifier, "nonce-newer", wall.now))
    wall.now = START  # NTP steps the clock back
    older = _sign(verifier, "nonce-older", wall.now)
    assert _accepted(verifier, older)
    wall.now = START + 2 * verifier.tolerance_seconds + 1  # past "older"'s horizon, not "newer"'s
    assert _accepted(verifier, _sign(verifier, "nonce-trigger", wall.now))
    assert ("nonce-newer", str(int(START + 100))) in verifier._used_nonces
