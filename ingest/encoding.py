"""Decode bytes of text files saved by English and Chinese tools, without mojibake.

Order, strictly: UTF-8 (with or without BOM), UTF-16 (with a BOM), GB18030 (a
superset of GBK and GB2312, what Chinese Windows tools save); only then a
detector (charset-normalizer). Never `errors="ignore"`: a file that no decoder
reads cleanly is an error, not silently damaged text.
"""
from __future__ import annotations

import codecs

from core.errors import LoadError



def _looks_like_text(text: str) -> bool:
    """Reject decodes full of control characters (binary data that happened to decode)."""
    if not text:
        return True
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    return bad / len(text) < 0.01


def decode_bytes(data: bytes, path: str = "<bytes>") -> tuple[str, str]:
    """Return (text, encoding name). Raises LoadError when nothing decodes cleanly."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise LoadError(path, f"has a UTF-8 byte-order mark but is not valid UTF-8 ({exc.reason})") from exc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise LoadError(path, f"has a UTF-16 byte-order mark but is not valid UTF-16 ({exc.reason})") from exc
    if b"\x00" in data[:4096]:
        head = data[:4096]
        if head.count(0) * 100 < len(head):
            # A few stray NULs in UTF-8 text (removed later with other control
            # characters); UTF-16 text of any language has far more.
            try:
                text = data.decode("utf-8")
                if _looks_like_text(text.replace("\x00", "")):
                    return text, "utf-8"
            except UnicodeDecodeError:
                pass
        # UTF-16 without a BOM shows as NULs between ASCII letters.
        even, odd = head[0::2].count(0), head[1::2].count(0)
        guess = "utf-16-le" if odd > even else "utf-16-be"
        try:
            text = data.decode(guess)
            if _looks_like_text(text):
                return text, guess
        except UnicodeDecodeError:
            pass
        raise LoadError(path, "binary data, not text (contains NUL bytes)")
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text, encoding
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        text = str(best)
        if _looks_like_text(text):
            return text, best.encoding
    raise LoadError(path, "cannot decode as UTF-8, UTF-16 or GB18030, and no other encoding fits")
