import math
import sys
import time
import types
from datetime import UTC, datetime

import pytest

from stoprace.model import EPOCH, ManualClock, utc_now
from stoprace.model.virtual import virtual_time


def test_manual_clock_starts_at_epoch_and_moves_only_when_told():
    clock = ManualClock()
    assert clock() == EPOCH
    assert clock() == EPOCH
    clock.advance(1.5)
    assert clock.elapsed == 1.5


@pytest.mark.parametrize("bad", [-1, math.nan, math.inf])
def test_manual_clock_refuses_going_back_or_nonfinite_steps(bad):
    clock = ManualClock()
    with pytest.raises(ValueError, match="finite and at least 0"):
        clock.advance(bad)
    assert clock() == EPOCH


def test_manual_clock_refuses_non_numbers():
    with pytest.raises(TypeError, match="number"):
        ManualClock().advance("5")  # type: ignore[arg-type]


def test_manual_clock_set_cannot_go_back():
    clock = ManualClock()
    clock.advance(10)
    with pytest.raises(ValueError, match="cannot go back"):
        clock.set(EPOCH)


def test_manual_clock_needs_aware_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(datetime(2025, 1, 1))


def test_utc_now_is_aware():
    assert utc_now().tzinfo is UTC


def test_virtual_time_patches_a_by_name_sleep_bound_after_an_earlier_block():
    # Modules are scanned once and remembered; one whose namespace changed is scanned again.
    module = types.ModuleType("stoprace_test_late_sleeper")
    sys.modules[module.__name__] = module
    try:
        clock = ManualClock()
        with virtual_time(clock):
            pass
        real = module.sleep = time.sleep  # as `from time import sleep` run after the first block
        with virtual_time(clock):
            assert module.sleep is not real  # checked before sleeping, so a miss cannot wait an hour
            module.sleep(3600)
        assert clock.elapsed == 3600
        assert module.sleep is real  # restored
    finally:
        del sys.modules[module.__name__]
