"""The audit trail: every question asked on the page, its answer, citations
and the index generation behind it, appended to a local SQLite log."""
from .log import AuditLog, answer_from_dict, default_audit_path

__all__ = ["AuditLog", "answer_from_dict", "default_audit_path"]
