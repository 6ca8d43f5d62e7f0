"""`python -m service.http`: serve the HTTP API with uvicorn (`make api`).

    python -m service.http [--index DIR] [--host 127.0.0.1] [--port 8502]
    python -m service.http --openapi docs/openapi.json   # write the schema, serve nothing

Served on an address other machines can reach, it refuses to start until an
account exists (make user NAME=alice ROLE=admin).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from service import Accounts, SafeCite, SafeCiteError, check_served, settings

from .app import create_app


def schema_text() -> str:
    """The OpenAPI schema as docs/openapi.json holds it."""
    app = create_app(SafeCite(settings().index))
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.http", description="Serve SafeCite's HTTP API.")
    parser.add_argument("--index", help="the index folder (default: $SAFECITE_INDEX, else var/index)")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8502)
    parser.add_argument("--openapi", metavar="PATH", help="write the OpenAPI schema to PATH and exit")
    args = parser.parse_args(argv)
    if args.openapi:
        Path(args.openapi).write_text(schema_text(), encoding="utf-8")
        return 0
    accounts = Accounts()
    try:
        check_served(args.host, accounts)
        safecite = SafeCite.open(args.index, audit=True)
    except SafeCiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import uvicorn

    uvicorn.run(create_app(safecite, accounts=accounts, host=args.host), host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
