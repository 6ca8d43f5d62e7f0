"""python -m service.cli.users add NAME --role reader|editor|admin [--password-stdin]
python -m service.cli.users key NAME        (a new API key for NAME)
python -m service.cli.users remove NAME
python -m service.cli.users list

`add` creates the user (or changes its role) and prints a new API key on its
last line; keys and passwords are stored hashed in SAFECITE_ACCOUNTS
(default var/accounts.sqlite) and cannot be read back. `make user NAME=alice
ROLE=reader` runs `add`.
"""
from __future__ import annotations

import argparse
import sys

from core.errors import SafeCiteError

from ..accounts import ROLES, Accounts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.cli.users")
    parser.add_argument("--accounts", default=None, help="accounts file (default: $SAFECITE_ACCOUNTS, "
                        "else var/accounts.sqlite)")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="create a user (or change its role) and print a new API key")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, default="reader")
    add.add_argument("--password-stdin", action="store_true", help="read a sign-in password from standard input")
    sub.add_parser("key", help="print a new API key for a user").add_argument("name")
    sub.add_parser("remove", help="remove a user and its keys").add_argument("name")
    sub.add_parser("list", help="list users and roles")
    args = parser.parse_args(argv)
    accounts = Accounts(args.accounts)
    try:
        if args.command == "add":
            password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
            key = accounts.add_user(args.name, args.role, password)
            print(f"user {args.name}: {args.role}. Its API key (shown once, keep it safe):")
            print(key)
        elif args.command == "key":
            print(accounts.new_key(args.name))
        elif args.command == "remove":
            if not accounts.remove_user(args.name):
                print(f"error: no user {args.name!r}", file=sys.stderr)
                return 1
            print(f"removed {args.name}")
        else:
            for user in accounts.users():
                print(f"{user.name}\t{user.role}")
    except SafeCiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
