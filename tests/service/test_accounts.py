"""Local accounts (service/accounts.py): users and roles, hashed passwords and
API keys, `make user`'s command, and the service refusing a reader's upload
and removal with nothing changed."""
from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from support import FakeEmbedder, make_small_corpus

from core.errors import AccessError, ConfigError
from core.settings import PROJECT_ROOT
from service.accounts import Accounts, User, check_served, may, require
from service.api import SafeCite


@pytest.fixture
def accounts(tmp_path):
    return Accounts(tmp_path / "accounts.sqlite")


def test_no_accounts_until_one_is_added(accounts):
    assert not accounts.exist()
    accounts.add_user("alice", "reader")
    assert accounts.exist() and accounts.users() == [User("alice", "reader")]


def test_a_key_finds_its_user_and_is_stored_only_hashed(accounts):
    key = accounts.add_user("bob", "editor")
    assert key.startswith("sc_") and len(key) > 40
    assert accounts.by_key(key) == User("bob", "editor")
    assert accounts.by_key(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert accounts.by_key("") is None and accounts.by_key(None) is None and accounts.by_key("Bearer x") is None
    stored = sqlite3.connect(accounts.path).execute("SELECT digest FROM keys").fetchall()
    assert len(stored) == 1 and key not in stored[0][0]
    second = accounts.new_key("bob")  # several keys per user
    assert second != key and accounts.by_key(second) == User("bob", "editor")


def test_a_password_is_checked_against_its_argon2_hash(accounts):
    accounts.add_user("carol", "admin", password="correct horse")
    row = sqlite3.connect(accounts.path).execute("SELECT password FROM users WHERE name='carol'").fetchone()
    assert row[0].startswith("$argon2id$") and "correct horse" not in row[0]
    assert accounts.by_password("carol", "correct horse") == User("carol", "admin")
    assert accounts.by_password("carol", "wrong") is None
    assert accounts.by_password("nobody", "correct horse") is None


def test_changing_a_role_keeps_the_password_and_removing_a_user_drops_its_keys(accounts):
    key = accounts.add_user("dan", "reader", password="pw one")
    accounts.add_user("dan", "editor")
    assert accounts.by_password("dan", "pw one") == User("dan", "editor")
    assert accounts.remove_user("dan") and not accounts.remove_user("dan")
    assert accounts.by_key(key) is None and not accounts.exist()


@pytest.mark.parametrize("name, role", [("", "reader"), ("a b", "reader"), ("x" * 65, "reader"),
                                        ("eve", "root"), ("eve", "")])
def test_bad_names_and_roles_are_named_errors(accounts, name, role):
    with pytest.raises(ConfigError):
        accounts.add_user(name, role)
    assert not accounts.exist()


def test_each_role_may_what_the_roles_before_it_may():
    assert may("reader", "ask") and may("reader", "export") and not may("reader", "upload")
    assert may("editor", "ask") and may("editor", "upload") and may("editor", "remove")
    assert not may("editor", "manage_users") and may("admin", "manage_users") and may("admin", "upload")
    assert not may("guest", "ask")
    require(None, "upload")  # no accounts: a one-person page may do everything
    with pytest.raises(AccessError, match="reader"):
        require(User("r", "reader"), "upload")


def test_the_users_command_prints_the_key_on_its_last_line(tmp_path):
    path = tmp_path / "accounts.sqlite"
    run = subprocess.run([sys.executable, "-m", "service.cli.users", "--accounts", str(path), "add", "frank",
                          "--role", "editor"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    key = run.stdout.strip().splitlines()[-1]
    assert Accounts(path).by_key(key) == User("frank", "editor")
    bad = subprocess.run([sys.executable, "-m", "service.cli.users", "--accounts", str(path), "add", "g h"],
                         cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "user name" in bad.stderr


def test_the_service_refuses_a_readers_upload_and_removal_and_changes_nothing(tmp_path):
    fake = FakeEmbedder()
    safecite = SafeCite(tmp_path / "index", uploads=tmp_path / "uploads", audit=tmp_path / "audit.sqlite",
                        embedders={fake.name: fake})
    corpus = tmp_path / "corpus"
    make_small_corpus(corpus)
    safecite.ingest([corpus], embedder=fake)
    before = [d.doc_id for d in safecite.documents()]
    upload = [("notes.md", "# Notes\n\nDust shall be removed from the beams daily.\n".encode())]
    reader, editor = User("r", "reader"), User("e", "editor")
    with pytest.raises(AccessError):
        safecite.add_files(upload, user=reader)
    with pytest.raises(AccessError):
        safecite.remove(safecite.documents()[0], user=reader)
    assert [d.doc_id for d in safecite.documents()] == before
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").rglob("*.md"))
    safecite.add_files(upload, user=editor)
    assert len(safecite.documents()) == len(before) + 1
    # The audit trail says who did what; the refused attempts left nothing.
    events = safecite.audit.events()
    assert [(e["user"], e["action"]) for e in events] == [("e", "upload")] and "notes.md" in events[0]["detail"]
    turn = safecite.ask("How often shall dust be removed from the beams?", user=reader)
    assert "Question" in safecite.export_answer(turn, user=reader)
    assert [e["action"] for e in safecite.audit.events()] == ["upload"]  # making an export is not taking it
    safecite.record_export(f"answer: {turn.answer.question}", user=reader)
    assert safecite.audit.entries()[0]["user"] == "r"
    assert [(e["user"], e["action"]) for e in safecite.audit.events()][0] == ("r", "export")
    assert b"r," in safecite.audit_csv() and safecite.audit_csv().decode("utf-8-sig").startswith("id,at,session,user,")
    # The audit trail is for admins alone, whichever door asks.
    for user in (reader, editor):
        with pytest.raises(AccessError, match="may not audit"):
            safecite.audit_csv(user=user)
        with pytest.raises(AccessError, match="may not audit"):
            safecite.audit_trail(user=user)
    trail = safecite.audit_trail(user=User("a", "admin"))
    assert trail["entries"][0]["user"] == "r" and trail["events"][0]["action"] == "export"


def test_served_beyond_this_machine_only_with_an_account(tmp_path):
    accounts = Accounts(tmp_path / "accounts.sqlite")
    check_served("127.0.0.1", accounts)  # this machine alone: no account needed
    with pytest.raises(AccessError, match="make user NAME=alice ROLE=admin"):
        check_served("0.0.0.0", accounts)
    accounts.add_user("alice", "admin")
    check_served("0.0.0.0", accounts)


def test_an_audit_log_from_before_accounts_gets_its_user_column(tmp_path):
    path = tmp_path / "audit.sqlite"
    old = sqlite3.connect(path)
    old.executescript("""CREATE TABLE entries (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
        session TEXT NOT NULL, question TEXT NOT NULL, resolved_question TEXT NOT NULL, mode TEXT NOT NULL,
        lang TEXT NOT NULL, grounded INTEGER NOT NULL, answer TEXT NOT NULL, citations TEXT NOT NULL,
        generator TEXT NOT NULL, generation TEXT NOT NULL, filters TEXT NOT NULL, full TEXT NOT NULL);
        INSERT INTO entries VALUES (1, '2026-01-01T00:00:00+00:00', 's', 'q', 'q', 'lookup', 'en', 1, 'a', '[]',
        'extractive', 'gen-000001', '{}', '{}');""")
    old.commit()
    old.close()
    from audit import AuditLog

    log = AuditLog(path)
    assert log.entries()[0]["user"] == "" and log.entries()[0]["question"] == "q"


def test_a_single_sign_on_user_is_the_account_of_their_email_else_of_their_name(accounts):
    accounts.add_user("eddie@example.com", "editor")
    accounts.add_user("rita", "reader")
    assert accounts.by_identity("Eddie@Example.COM", "Someone Else") == User("eddie@example.com", "editor")
    # A provider that gives no email: the name, exactly.
    assert accounts.by_identity(None, "rita") == User("rita", "reader")
    assert accounts.by_identity("", "Rita") is None
    # With an email, a display name that happens to be an account's is not tried.
    assert accounts.by_identity("mallory@example.com", "rita") is None
    assert accounts.by_identity(None, None) is None and accounts.by_identity("  ", "") is None
    # An exact match wins over one differing in case.
    accounts.add_user("EDDIE@example.com", "admin")
    assert accounts.by_identity("EDDIE@example.com", None) == User("EDDIE@example.com", "admin")
    assert accounts.by_identity("eddie@example.com", None) == User("eddie@example.com", "editor")
