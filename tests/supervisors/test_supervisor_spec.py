"""Child specs validate their fields; the restart rule is OTP's table."""

import pytest

from supervisors.spec import NORMAL, SHUTDOWN, ChildSpec, failed, should_restart


async def noop() -> None:
    return None


@pytest.mark.parametrize(
    ("restart", "normal", "shutdown", "crash"),
    [("permanent", True, True, True), ("transient", False, False, True), ("temporary", False, False, False)],
)
def test_restart_decision_follows_the_otp_table(
    restart: str, normal: bool, shutdown: bool, crash: bool
) -> None:
    reasons = (NORMAL, SHUTDOWN, failed(RuntimeError("boom")))
    assert [should_restart(restart, reason) for reason in reasons] == [normal, shutdown, crash]  # type: ignore[arg-type]


def test_a_failure_reason_names_the_exception() -> None:
    reason = failed(KeyError("sku-1"))
    assert reason.abnormal
    assert str(reason) == "KeyError: 'sku-1'"
    assert not NORMAL.abnormal and str(SHUTDOWN) == "shutdown"


def test_a_failure_inside_a_task_group_names_the_errors_in_the_group() -> None:
    group = ExceptionGroup("unhandled errors", [ValueError("bad sku"), ExceptionGroup("x", [OSError("io")])])
    assert str(failed(group)) == "ValueError: bad sku; OSError: io"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"id": ""}, "non-empty"),
        ({"restart": "sometimes"}, "restart must be one of"),
        ({"shutdown_timeout": -1.0}, "shutdown_timeout"),
        ({"shutdown_timeout": float("inf")}, "shutdown_timeout"),
        ({"start": "not callable"}, "async callable"),
    ],
)
def test_a_bad_child_spec_is_rejected_with_a_message_naming_the_field(fields: dict, message: str) -> None:
    arguments = {"id": "worker", "start": noop, **fields}
    with pytest.raises((ValueError, TypeError), match=message):
        ChildSpec(**arguments)


def test_a_child_spec_defaults_to_permanent() -> None:
    spec = ChildSpec(id="worker", start=noop)
    assert (spec.restart, spec.shutdown_timeout) == ("permanent", 5.0)
