"""Login with streamlit-authenticator, with the rules of aspnet_data.accounts on top.

The authenticator draws the form and keeps the signed cookie. Our code checks the password
(lockout, disabled accounts, equal-cost refusals), records each login as a server-side
session keyed by the cookie's expiry stamp, refuses a cookie whose session was revoked or
expired, and revokes the session on logout.
"""

from __future__ import annotations

import importlib
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import SimpleNamespace

import extra_streamlit_components as stx
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.models import cookie_model

from aspnet_data import accounts, settings
from aspnet_data.accounts import LoginRefused, User
from aspnet_data.permissions import ANONYMOUS, Actor

from . import data
from .i18n import t

COOKIE_NAME = "aspnet_atlas_session"
SECRET_FILE = Path(__file__).resolve().parent.parent / ".cookie_secret"
_USER, _STAMP, _REFUSAL, _FRESH = "auth_user", "auth_stamp", "auth_refusal", "auth_fresh"
_JUST_SIGNED_IN = "auth_just_signed_in"
LOGIN_BOX = "login_box"  # the side panel's login box: open or closed


@st.cache_resource(show_spinner=False)
def cookie_secret() -> str:
    """From ASPNET_COOKIE_SECRET, else the git-ignored .cookie_secret (made by `make run`).

    Without either, a random secret for this process: logins then last until a restart.
    """
    secret = settings.text("ASPNET_COOKIE_SECRET")
    if secret:
        return secret
    if SECRET_FILE.is_file():
        return SECRET_FILE.read_text(encoding="utf-8").strip()
    return secrets.token_urlsafe(48)


# The component itself (the package's CookieManager module; its name is shadowed by the class).
_COOKIE_COMPONENT = importlib.import_module("extra_streamlit_components.CookieManager")._component_func


class _CookieWriter(stx.CookieManager):
    """The authenticator's cookie manager without its read.

    The library's manager draws a component on every run that sends the browser's cookies
    back, which reruns the whole page once more on every page load. The login cookie arrives
    with the request anyway (st.context.cookies, which is what the authenticator reads), so
    only the writes (set on login, delete on logout) need the component.
    """

    def __init__(self, key: str = "init") -> None:  # noqa: ARG002 - the library's signature
        self.cookie_manager = _COOKIE_COMPONENT
        self.cookies = dict(st.context.cookies)

    def delete(self, cookie: str, key: str = "delete") -> None:
        self.cookies.setdefault(cookie, "")
        super().delete(cookie, key=key)


cookie_model.stx = SimpleNamespace(CookieManager=_CookieWriter)


class _Accounts(Mapping):
    """The authenticator's table of accounts ("usernames"), read one account at a time.

    The library asks only for the name at hand (the one typed in the form, or the cookie's);
    a table of every account was built and copied on every run of every page, about half a
    second each at the 112,000 accounts of a network of 1,000,000 institutions. An account read
    once stays for the run, so what the library writes into it (logged_in) stays too.
    """

    def __init__(self) -> None:
        self._read: dict[str, dict | None] = {}

    def __getitem__(self, username: str) -> dict:
        if username not in self._read:
            user = accounts.get_user(data.db(), username) if isinstance(username, str) else None
            self._read[username] = None if user is None else _entry(user)
        entry = self._read[username]
        if entry is None:
            raise KeyError(username)
        return entry

    def __iter__(self) -> Iterator[str]:  # every account: not on any path the app draws
        return iter(user.username for user in accounts.list_users(data.db()))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _entry(user: User) -> dict:
    # The password is never the library's to check (_check below replaces its check).
    return {"name": user.display_name, "email": user.email or "", "password": "-", "roles": [user.role]}


def _check(username: str, password: str) -> bool:
    """Replaces the authenticator's own check: our lockout and timing rules apply."""
    try:
        user = accounts.authenticate(data.db(), username, password)
    except LoginRefused as refused:
        st.session_state[_REFUSAL] = refused
        return False
    st.session_state.pop(_REFUSAL, None)
    st.session_state[_FRESH] = user.username
    return True


def authenticator() -> stauth.Authenticate:
    """Built once per run (in app.py) and shared."""
    auth = stauth.Authenticate(
        {"usernames": {}},
        COOKIE_NAME,
        cookie_secret(),
        cookie_expiry_days=accounts.SESSION_LIFETIME.total_seconds() / 86400,
        auto_hash=False,
        login_sleep_time=0,
    )
    model = auth.authentication_controller.authentication_model
    model.credentials["usernames"] = _Accounts()
    model.check_credentials = _check
    return auth


def _refuse(auth: stauth.Authenticate, message_key: str) -> None:
    auth.authentication_controller.logout()
    auth.cookie_controller.delete_cookie()
    st.session_state.pop(_USER, None)
    st.session_state.pop(_STAMP, None)
    st.session_state["auth_message"] = message_key


def _login_form(auth: stauth.Authenticate) -> None:
    """The login form in the open box, and why the last attempt was refused."""
    try:
        auth.login(
            location="main",
            key="login",
            fields={
                "Form name": t("auth.title"),
                "Username": t("auth.username"),
                "Password": t("auth.password"),
                "Login": t("auth.submit"),
                "Captcha": "Captcha",
            },
        )
    except stauth.LoginError:
        st.session_state["authentication_status"] = False
    refusal = st.session_state.get(_REFUSAL)
    if st.session_state.get("authentication_status") is False and refusal is not None:
        if refusal.reason == "locked":
            st.error(t("auth.locked", until=refusal.until.strftime("%H:%M")))
        else:
            st.error(t(f"auth.{refusal.reason}"))
    if st.session_state.get("auth_message"):
        st.info(t(st.session_state.pop("auth_message")))


def sign_in(auth: stauth.Authenticate) -> User | None:
    """Draw the login box (sidebar) or confirm the session; return the signed-in user."""
    db = data.db()
    if st.session_state.get("authentication_status") and st.session_state.get(_STAMP) is not None:
        user = accounts.check_session(db, st.session_state["username"], st.session_state[_STAMP])
        if user is None:
            _refuse(auth, "auth.session_ended")
            return None
        st.session_state[_USER] = user
        return user
    # The form is drawn only while the box is open (opening it reruns): a visitor who never logs
    # in gets no text fields, whose code the browser would otherwise load with every page. A
    # message (a refused password, an ended session) opens it, through its state: ``expanded``
    # is part of the box's identity, and a box that changed it would be a new, closed one (the
    # login typed into it lost).
    if st.session_state.get(_REFUSAL) or st.session_state.get("auth_message"):
        st.session_state[LOGIN_BOX] = True
    if not st.session_state.get(LOGIN_BOX):
        # The box closed (or not drawn yet): the cookie a returning visitor brings is read first,
        # with no form drawn (a cookie of an account that is gone is refused as the form's path
        # refuses it), so that a person it signs in is not shown a login box.
        try:
            auth.login(location="unrendered")
        except stauth.LoginError:
            st.session_state["authentication_status"] = False
    if not st.session_state.get("authentication_status"):
        box = st.sidebar.expander(t("auth.box"), icon=":material/login:", key=LOGIN_BOX, on_change="rerun")
        if box.open:
            with box:
                _login_form(auth)
    if not st.session_state.get("authentication_status"):
        return None
    username = st.session_state["username"]
    if st.session_state.pop(_FRESH, None) == username:
        stamp = auth.cookie_controller.cookie_model.exp_date or accounts.session_key(username, secrets.token_hex(8))
        accounts.open_session(db, username, stamp)
        st.session_state[_JUST_SIGNED_IN] = True
    else:
        token = auth.cookie_controller.get_cookie() or {}
        stamp = token.get("exp_date")
        if stamp is None or accounts.check_session(db, username, stamp) is None:
            _refuse(auth, "auth.session_ended")
            return None
    st.session_state[_STAMP] = stamp
    user = accounts.get_user(db, username)
    st.session_state[_USER] = user
    # No rerun here: the cookie component drawn above must reach the browser to set the cookie.
    return user


def just_signed_in() -> bool:
    """True once after the login form accepted a password (a cookie brought back by a reload
    is not a new login): the router then opens the user's landing page."""
    return bool(st.session_state.pop(_JUST_SIGNED_IN, False))


def sign_out(auth: stauth.Authenticate) -> None:
    """Revoke the session on the server, then clear it in the browser."""
    username, stamp = st.session_state.get("username"), st.session_state.get(_STAMP)
    if username and stamp is not None:
        accounts.revoke_session(data.db(), username, stamp)
    auth.logout(location="unrendered")
    st.session_state.pop(_USER, None)
    st.session_state.pop(_STAMP, None)


def current_user() -> User | None:
    return st.session_state.get(_USER)


def current_actor() -> Actor:
    user = current_user()
    return user.actor if user else ANONYMOUS
