"""SafeCite's HTTP API (FastAPI, served by uvicorn: `python -m service.http`,
`make api`): a thin door over `SafeCite`, like the page and the CLIs.

    app.py      the application: `create_app(safecite)`, the body size cap
    routes.py   /v1/ask, /v1/documents, /v1/sources/{chunk_id}, /v1/audit
    chat.py     OpenAI-compatible /v1/chat/completions and /v1/models
    auth.py     Bearer API keys against the accounts; the rate limits
    limits.py   the in-process rate limiter
    models.py   the requests and answers (the OpenAPI schema, docs/openapi.json)
    views.py    the service's records as those answers
    errors.py   every error as {"error": {"message", "type", "status"}}

Roles, upload limits and filters are checked by the service, not here; this
package imports nothing below `service`.
"""
from .app import create_app

__all__ = ["create_app"]
