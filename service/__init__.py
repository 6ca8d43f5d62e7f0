"""One way in: the page, the CLIs and any API use `SafeCite` (api.py) and the
types it hands out, never the packages below it."""
from answer.hazard import Judgement
from answer.hazard_text import explain
from answer.llm import LLMConfig
from answer.models import MODES, Answer, Citation
from core.errors import SafeCiteError
from core.settings import settings
from core.text import lang_of
from index.catalog import DocumentRow
from index.library import SourceView, join_wrapped_lines
from index.manage import UploadSummary
from index.values import spelled
from ingest.uploads import MAX_UPLOAD_MB, UPLOAD_TYPES

from .accounts import LOOPBACK, Accounts, User, check_served, may, served_to_others
from .api import JOBS, SafeCite, Turn, shared_embedder

__all__ = ["MAX_UPLOAD_MB", "MODES", "UPLOAD_TYPES", "Accounts", "Answer", "Citation", "DocumentRow", "Judgement", "LLMConfig", "SafeCite",
           "SafeCiteError", "SourceView", "Turn", "UploadSummary", "explain", "join_wrapped_lines", "lang_of", "settings",
           "shared_embedder", "spelled", "User", "may", "JOBS", "LOOPBACK", "check_served", "served_to_others"]
