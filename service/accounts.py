"""Local accounts: users with a role, a password and API keys, in one SQLite
file (SAFECITE_ACCOUNTS, default var/accounts.sqlite).

- Roles, each allowed what the one before it is and more: a `reader` asks,
  views sources and exports; an `editor` also uploads and removes documents;
  an `admin` also manages users and reads the audit trail (`may`).
- Passwords are hashed with Argon2id (argon2-cffi); API keys are random
  (`sc_` and 43 URL-safe characters, 256 bits) and stored as their SHA-256:
  a key is long and random, so a fast hash keeps it as safe as a slow one
  would a password, and a request is checked with one indexed lookup.
- A key is shown once, when it is made, and cannot be read back.

A user signed in by single sign-on (the page's OpenID Connect sign-in) is
one of these accounts (`by_identity`): the provider says who they are, the
accounts file what they may do.

With no account in the file, SafeCite behaves as a one-person tool on
127.0.0.1 (`Accounts.exist` is False): the page and the CLIs ask no one to
sign in.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from core.errors import AccessError, ConfigError
from core.settings import settings

ROLES = ("reader", "editor", "admin")
# What each role may do; a role may do what the roles before it may.
ACTIONS = {
    "reader": ("ask", "view", "export"),
    "editor": ("upload", "remove"),
    "admin": ("manage_users", "audit"),
}
KEY_PREFIX = "sc_"
# Addresses only this machine can reach: served there, SafeCite needs no accounts.
LOOPBACK = ("127.0.0.1", "localhost", "::1")
ADD_ACCOUNT = "make user NAME=alice ROLE=admin"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, password TEXT, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS keys (
    digest TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created TEXT NOT NULL);
"""


@dataclass(frozen=True)
class User:
    name: str
    role: str


def may(role: str, action: str) -> bool:
    """Whether `role` may do `action` (an action of its own or of a role before it)."""
    if role not in ROLES:
        return False
    return any(action in ACTIONS[r] for r in ROLES[:ROLES.index(role) + 1])


def require(user: User | None, action: str) -> None:
    """Raise AccessError unless `user` may do `action`. None stands for "no
    accounts configured": everything is allowed, as on a one-person page."""
    if user is not None and not may(user.role, action):
        raise AccessError(f"{user.name} ({user.role}) may not {action.replace('_', ' ')}; "
                          f"ask an admin for a role that may")


def served_to_others(host: str) -> bool:
    """Whether an address other machines can reach is `host` (not loopback)."""
    return host not in LOOPBACK


def check_served(host: str, accounts: "Accounts") -> None:
    """Raise AccessError when SafeCite would be served on `host`, which others
    can reach, with no account configured (then anyone could do anything)."""
    if served_to_others(host) and not accounts.exist():
        raise AccessError(f"{host} can be reached from other machines and no account is configured: add one "
                          f"first ({ADD_ACCOUNT}), or serve on 127.0.0.1")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Accounts:
    """The accounts file. Every method opens its own connection, so one object
    serves the page's threads."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else settings().accounts
        self._hasher = None
        self._created = False  # the tables, once per object (not on every key lookup)

    def _connect(self) -> sqlite3.Connection:
        if not self._created:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path)
        con.execute("PRAGMA foreign_keys = ON")
        if not self._created:
            con.executescript(_SCHEMA)
            self._created = True
        return con

    @property
    def hasher(self):
        if self._hasher is None:
            from argon2 import PasswordHasher

            self._hasher = PasswordHasher()
        return self._hasher

    def exist(self) -> bool:
        """Whether any account is configured."""
        if not self.path.exists():
            return False
        with self._connect() as con:
            return con.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def users(self) -> list[User]:
        with self._connect() as con:
            return [User(n, r) for n, r in con.execute("SELECT name, role FROM users ORDER BY name")]

    def add_user(self, name: str, role: str, password: str | None = None) -> str:
        """Create (or re-role) user `name` and return a new API key for it."""
        if not _NAME.fullmatch(name or ""):
            raise ConfigError(f"user name {name!r}: use 1-64 letters, digits or . _ @ -, starting with a letter or digit")
        if role not in ROLES:
            raise ConfigError(f"role {role!r}: must be one of {', '.join(ROLES)}")
        hashed = self.hasher.hash(password) if password else None
        with self._connect() as con:
            con.execute("INSERT INTO users (name, role, password, created) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT(name) DO UPDATE SET role = excluded.role, "
                        "password = COALESCE(excluded.password, users.password)", (name, role, hashed, _now()))
        return self.new_key(name)

    def new_key(self, name: str) -> str:
        """A new API key for `name` (shown once; only its digest is kept)."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self._connect() as con:
            if con.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone() is None:
                raise ConfigError(f"no user {name!r}")
            con.execute("INSERT INTO keys (digest, user, created) VALUES (?, ?, ?)", (_digest(key), name, _now()))
        return key

    def remove_user(self, name: str) -> bool:
        """Remove `name` and its keys; False when there was no such user."""
        with self._connect() as con:
            return con.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount > 0

    def by_key(self, key: str | None) -> User | None:
        """The user an API key belongs to, or None for no or an unknown key."""
        if not key or not key.startswith(KEY_PREFIX):
            return None
        with self._connect() as con:
            row = con.execute("SELECT u.name, u.role FROM keys k JOIN users u ON u.name = k.user WHERE k.digest = ?",
                              (_digest(key),)).fetchone()
        return User(*row) if row else None

    def by_identity(self, email: str | None, name: str | None) -> User | None:
        """The account of a user whom a single sign-on provider vouches for:
        the account named by their email (in any case) when the provider gives
        one, else the account named by their name; None when there is none.
        The name is not tried beside an email: people can often change their
        display name at the provider, their email less so."""
        email, name = (email or "").strip(), (name or "").strip()
        if email:  # an exact match first, should two accounts differ only in case
            query = "SELECT name, role FROM users WHERE name = ? COLLATE NOCASE ORDER BY name = ? DESC"
            args: tuple[str, ...] = (email, email)
        elif name:
            query, args = "SELECT name, role FROM users WHERE name = ?", (name,)
        else:
            return None
        with self._connect() as con:
            row = con.execute(query, args).fetchone()
        return User(*row) if row else None

    def by_password(self, name: str, password: str) -> User | None:
        """The user when `password` is theirs, else None (also for a user with no password)."""
        from argon2.exceptions import VerificationError

        with self._connect() as con:
            row = con.execute("SELECT role, password FROM users WHERE name = ?", (name,)).fetchone()
        if row is None or not row[1]:
            self.hasher.hash(password or "-")  # as slow as a real check: no telling names apart by time
            return None
        try:
            self.hasher.verify(row[1], password)
        except VerificationError:
            return None
        return User(name, row[0])
