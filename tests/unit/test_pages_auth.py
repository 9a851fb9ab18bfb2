"""The team-password throttle (issue 8 item 19): per session and for the whole server process."""

from __future__ import annotations

from mapdata.ui import auth


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_session_is_locked_after_its_free_tries_and_the_lock_grows() -> None:
    clock = Clock()
    throttle = auth.SignInThrottle(clock=clock)
    for _ in range(auth.SESSION_FREE_TRIES - 1):
        throttle.failed("a")
        assert throttle.wait("a") == 0
    throttle.failed("a")
    assert throttle.wait("a") == auth.SESSION_LOCK_SECONDS
    assert throttle.wait("b") == 0  # another session is not locked by it
    clock.now += auth.SESSION_LOCK_SECONDS
    assert throttle.wait("a") == 0
    throttle.failed("a")
    assert throttle.wait("a") == 2 * auth.SESSION_LOCK_SECONDS
    throttle.succeeded("a")
    assert throttle.wait("a") == 0


def test_many_sessions_guessing_close_password_sign_in_for_everyone() -> None:
    clock = Clock()
    throttle = auth.SignInThrottle(clock=clock)
    for n in range(auth.GLOBAL_MAX_FAILURES):
        throttle.failed(f"script-session-{n}")  # a new session per guess
    assert throttle.wait("a-real-editor") == auth.GLOBAL_LOCK_SECONDS
    clock.now += auth.GLOBAL_LOCK_SECONDS
    assert throttle.wait("a-real-editor") == 0


def test_the_throttle_remembers_a_bounded_number_of_sessions() -> None:
    throttle = auth.SignInThrottle(clock=Clock(), max_sessions=10)
    for n in range(50):
        throttle.failed(f"s{n}")
    assert len(throttle._sessions) == 10
