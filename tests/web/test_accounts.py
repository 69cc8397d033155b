"""Accounts, sessions, tokens and the sign-in throttle against the real Neo4j."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from web_fixtures import PASSWORD, make_user, seed_units

from analytics.accounts import (AccountError, UnknownUser, add_user, authenticate,
                                create_token, disable_user, enable_user, list_tokens,
                                list_users, revoke_token, set_password, top_units,
                                user_for_token)
from analytics.sessions import (end_session, end_user_sessions, open_session, purge_expired,
                                resume_session)
from analytics.throttle import (account_key, address_key, purge_idle, release_attempt,
                                reserve_attempt)


@pytest.fixture
def units(db):
    seed_units(db)
    return db


def test_a_user_is_stored_with_an_argon2id_hash_only(units):
    user = make_user(units, "Zhang.San", ("investigator", "analyst"), "J100", "张三")
    assert (user.username, user.display_name, user.unit_id) == ("zhang.san", "张三", "J100")
    assert user.roles == ("investigator", "analyst")
    stored = units.read("MATCH (u:User {username: 'zhang.san'}) RETURN properties(u) AS p")[0]["p"]
    assert stored["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in str(stored)
    listed = list_users(units)["items"]
    assert listed[0]["unit_name"] == "城关镇人民政府" and "password_hash" not in listed[0]


@pytest.mark.parametrize("username, password, unit, roles, message", [
    ("ok.user", "short", "J000", ["analyst"], "too short"),
    ("ok.user", "x" * 129, "J000", ["analyst"], "too long"),
    ("ok.user", "ok.user", "J000", ["analyst"], "too short"),
    ("longusername", "LongUserName", "J000", ["analyst"], "must not be the user name"),
    ("bad name", PASSWORD, "J000", ["analyst"], "not allowed"),
    ("<script>", PASSWORD, "J000", ["analyst"], "not allowed"),
    ("ok.user", PASSWORD, "J000", ["root"], "unknown or missing role"),
    ("ok.user", PASSWORD, "J000", [], "unknown or missing role"),
    ("ok.user", PASSWORD, "NOPE", ["analyst"], "unit 'NOPE' is not loaded"),
])
def test_bad_accounts_are_refused_with_what_to_do(units, username, password, unit, roles,
                                                   message):
    with pytest.raises(AccountError, match=message):
        add_user(units, username, password, unit_id=unit, roles=roles)
    assert not units.read("MATCH (u:User) RETURN u")


def test_a_user_name_is_taken_once(units):
    make_user(units, "li.si")
    with pytest.raises(AccountError, match="exists already"):
        make_user(units, "LI.SI", password="another long password")
    assert authenticate(units, "li.si", PASSWORD) is not None


def test_authenticate_refuses_wrong_unknown_and_disabled_alike(units):
    make_user(units, "wang.wu")
    assert authenticate(units, "wang.wu", PASSWORD).username == "wang.wu"
    assert authenticate(units, " WANG.WU ", PASSWORD) is not None
    assert authenticate(units, "wang.wu", PASSWORD + "x") is None
    assert authenticate(units, "nobody", PASSWORD) is None
    disable_user(units, "wang.wu")
    assert authenticate(units, "wang.wu", PASSWORD) is None
    enable_user(units, "wang.wu")
    assert authenticate(units, "wang.wu", PASSWORD) is not None
    with pytest.raises(UnknownUser):
        disable_user(units, "nobody")


def test_sessions_end_at_logout_disable_and_password_change(units):
    make_user(units, "zhao.liu")
    cookies = [open_session(units, "zhao.liu", address="127.0.0.1", absolute_s=3600)[0]
               for _ in range(3)]
    assert all(resume_session(units, c, idle_s=600) for c in cookies)
    assert end_session(units, cookies[0]) == "zhao.liu"
    assert resume_session(units, cookies[0], idle_s=600) is None
    set_password(units, "zhao.liu", "a brand new password")
    assert resume_session(units, cookies[1], idle_s=600) is None
    assert authenticate(units, "zhao.liu", PASSWORD) is None
    fresh = open_session(units, "zhao.liu", address=None, absolute_s=3600)[0]
    disable_user(units, "zhao.liu")
    assert resume_session(units, fresh, idle_s=600) is None
    assert open_session(units, "zhao.liu", address=None, absolute_s=3600) is None
    assert not units.read("MATCH (s:WebSession) RETURN s")


def test_the_cookie_value_is_not_stored(units):
    make_user(units, "qian.qi")
    cookie, session = open_session(units, "qian.qi", address="127.0.0.1", absolute_s=60)
    stored = units.read("MATCH (s:WebSession) RETURN properties(s) AS p")[0]["p"]
    assert cookie not in str(stored) and stored["session_hash"] == session.session_hash
    assert len(cookie) >= 43 and session.csrf_token != cookie


def test_idle_and_absolute_timeouts(units):
    make_user(units, "sun.ba")
    idle = open_session(units, "sun.ba", address=None, absolute_s=3600)[0]
    short = open_session(units, "sun.ba", address=None, absolute_s=1)[0]
    time.sleep(1.5)
    assert resume_session(units, short, idle_s=600) is None, "absolute timeout"
    assert resume_session(units, idle, idle_s=600) is not None
    time.sleep(1.2)
    assert resume_session(units, idle, idle_s=1) is None, "idle timeout"
    assert not units.read("MATCH (s:WebSession) RETURN s")


def test_purge_and_sign_out_everywhere(units):
    make_user(units, "zhou.jiu")
    for _ in range(2):
        open_session(units, "zhou.jiu", address=None, absolute_s=3600)
    open_session(units, "zhou.jiu", address=None, absolute_s=0)
    assert purge_expired(units, idle_s=600) == 1
    assert end_user_sessions(units, "zhou.jiu") == 2


def test_api_tokens_hash_revoke_expire_and_follow_the_user(units):
    make_user(units, "wu.shi")
    token = create_token(units, "wu.shi", "nightly export", days=30)
    assert token.secret.startswith(f"lj_{token.token_id}_")
    assert token.secret not in str(units.read("MATCH (t:ApiToken) RETURN properties(t) AS p"))
    user, token_id = user_for_token(units, token.secret)
    assert (user.username, token_id) == ("wu.shi", token.token_id)
    assert user_for_token(units, token.secret + "x") is None
    assert user_for_token(units, "not-a-token") is None
    disable_user(units, "wu.shi")
    assert user_for_token(units, token.secret) is None
    enable_user(units, "wu.shi")
    assert user_for_token(units, token.secret) is not None
    make_user(units, "other")
    with pytest.raises(AccountError):
        revoke_token(units, token.token_id, "other")
    assert revoke_token(units, token.token_id, "wu.shi") == "wu.shi"
    assert user_for_token(units, token.secret) is None
    assert list_tokens(units, "wu.shi")[0].revoked_at is not None
    expired = create_token(units, "wu.shi", "old", days=0)
    assert user_for_token(units, expired.secret) is None


def test_top_units_are_the_roots_of_the_tree(units):
    assert top_units(units) == ["J000"]


def test_the_sixth_attempt_in_a_window_is_refused_per_account(units):
    limits = {account_key("a"): 5, address_key("10.0.0.1"): 100}
    outcomes = [reserve_attempt(units, limits, 60).allowed for _ in range(6)]
    assert outcomes == [True] * 5 + [False]
    refused = reserve_attempt(units, limits, 60)
    assert refused.refused_by == (account_key("a"),) and 1 <= refused.retry_after_s <= 60
    other_account = {account_key("b"): 5, address_key("10.0.0.1"): 100}
    assert reserve_attempt(units, other_account, 60).allowed


def test_the_address_limit_spans_accounts(units):
    for name in "abcde":
        assert reserve_attempt(units, {account_key(name): 5, address_key("x"): 5}, 60).allowed
    refused = reserve_attempt(units, {account_key("f"): 5, address_key("x"): 5}, 60)
    assert not refused.allowed and refused.refused_by == (address_key("x"),)
    assert reserve_attempt(units, {account_key("f"): 5, address_key("y"): 5}, 60).allowed


def test_the_window_slides_and_success_gives_the_slot_back(units):
    key, now = account_key("c"), time.time_ns()
    for i in range(5):
        reserve_attempt(units, {key: 5}, 60, now_ns=now + i)
    assert not reserve_attempt(units, {key: 5}, 60, now_ns=now + 10).allowed
    assert reserve_attempt(units, {key: 5}, 60, now_ns=now + 61 * 10**9).allowed
    address = address_key("z")
    ok = reserve_attempt(units, {key: 5, address: 5}, 60)
    release_attempt(units, ok, clear=key)
    stored = {row["key"]: row["attempts"] for row in units.read(
        "MATCH (t:LoginThrottle) RETURN t.key AS key, t.attempts AS attempts")}
    assert stored[key] == [] and ok.stamp not in stored[address]
    units.write("MATCH (t:LoginThrottle) SET t.updated_at = datetime() - duration('PT2M')")
    assert purge_idle(units, 60) == 2


def test_simultaneous_guesses_do_not_slip_past_the_limit(units):
    limits = {account_key("target"): 5, address_key("attacker"): 1000}
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: reserve_attempt(units, limits, 60).allowed,
                                 range(16)))
    assert outcomes.count(True) == 5
