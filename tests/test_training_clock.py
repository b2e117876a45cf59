"""The session clock every trainer uses: time limit, checkpoint cadence, time carried across resumes."""

from __future__ import annotations

import time

from gencanvas.models.training_state import SessionClock


def test_no_time_limit_never_runs_out_and_a_zero_cadence_is_always_due():
    clock = SessionClock(time_limit_min=0.0, checkpoint_every_min=0.0)
    assert not clock.out_of_time()
    assert clock.checkpoint_due()


def test_a_spent_limit_stops_the_session_and_a_checkpoint_restarts_the_cadence():
    clock = SessionClock(time_limit_min=1e-6, checkpoint_every_min=1e-6)
    time.sleep(0.01)
    assert clock.out_of_time()
    assert clock.checkpoint_due()
    clock.checkpoint_every_min = 10.0
    clock.checkpointed()
    assert not clock.checkpoint_due()


def test_total_time_includes_the_earlier_sessions():
    clock = SessionClock(time_limit_min=0.0, checkpoint_every_min=5.0, seconds_before=120.0)
    assert 120.0 <= clock.total_seconds() < 125.0
