"""Text files from English and Chinese tools decode exactly, or fail loudly."""
from __future__ import annotations

import codecs

import pytest
from support import chunks_of, load_one

from ingest import LoadError
from ingest.encoding import decode_bytes

ZH = "第十二条 粉尘涉爆企业应当建立粉尘清扫制度，及时清除积尘。\n第十三条 除尘系统应当接地；铝镁粉尘应当防止氢气积聚。"
EN = "Article 12 Dust shall be removed from beams — every shift.\nArticle 13 Collectors shall be grounded."

ENCODINGS = [
    ("utf-8", lambda t: t.encode("utf-8")),
    ("utf-8-bom", lambda t: codecs.BOM_UTF8 + t.encode("utf-8")),
    ("utf-16-le-bom", lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le")),
    ("utf-16-be-bom", lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be")),
]
ZH_ONLY = [
    ("gb18030", lambda t: t.encode("gb18030")),
    ("gbk", lambda t: t.encode("gbk")),
]


@pytest.mark.parametrize("name, encode", ENCODINGS + ZH_ONLY, ids=[n for n, _ in ENCODINGS + ZH_ONLY])
def test_chinese_text_decodes_exactly(name, encode):
    text, _ = decode_bytes(encode(ZH))
    assert text == ZH


@pytest.mark.parametrize("name, encode", ENCODINGS, ids=[n for n, _ in ENCODINGS])
def test_english_text_decodes_exactly(name, encode):
    text, _ = decode_bytes(encode(EN))
    assert text == EN


def test_gb18030_characters_outside_gbk():
    text = "𠀀字与€符号：粉尘防爆"
    assert decode_bytes(text.encode("gb18030"))[0] == text


def test_short_gbk_is_not_mistaken_for_another_code_page():
    assert decode_bytes("粉尘".encode("gbk"))[0] == "粉尘"


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01\x02\x03PK\x05\x06" * 64,  # binary with NULs
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        bytes(range(1, 32)) * 8 + b"\xff\xfe\xfd" * 8,  # control characters and invalid bytes, no NUL
        codecs.BOM_UTF8 + b"Article 1 \xff\xfe\xfa broken",  # a UTF-8 BOM on bytes that are not UTF-8
        codecs.BOM_UTF16_LE + b"\x00\xd8\x41",  # a BOM, then a lone surrogate and an odd byte
    ],
    ids=["nul-binary", "png", "control-bytes", "bad-utf8-after-bom", "bad-utf16-after-bom"],
)
def test_undecodable_bytes_raise_load_error(data):
    with pytest.raises(LoadError) as info:
        decode_bytes(data, "notes/broken.txt")
    assert "notes/broken.txt" in str(info.value)


def test_decoding_never_drops_bytes():
    """No errors='ignore' or 'replace': what comes back encodes to what went in."""
    for encode in (lambda t: t.encode("utf-8"), lambda t: t.encode("gb18030")):
        data = encode(ZH + EN)
        text, encoding = decode_bytes(data)
        assert "\ufffd" not in text
        assert text.encode(encoding) == data


@pytest.mark.parametrize("suffix", [".txt", ".md"])
@pytest.mark.parametrize("name, encode", ENCODINGS + ZH_ONLY, ids=[n for n, _ in ENCODINGS + ZH_ONLY])
def test_text_files_in_every_encoding_load_the_same(tmp_path, suffix, name, encode):
    title = "# 粉尘防爆安全规定" if suffix == ".md" else "粉尘防爆安全规定"
    body = title + "\n\n" + ZH.replace("\n", "\n\n") + "\n"
    path = tmp_path / "regulations" / f"law{suffix}"
    path.parent.mkdir()
    path.write_bytes(encode(body.replace("\n", "\r\n") if name == "gbk" else body))
    doc = load_one(path, f"regulations/law{suffix}")
    assert doc.lang == "zh"
    assert "粉尘涉爆企业应当建立粉尘清扫制度，及时清除积尘。" in doc.text
    assert "\r" not in doc.text and "\ufeff" not in doc.text
    assert [c.locator for c in chunks_of(path, f"regulations/law{suffix}")] == ["第十二条", "第十三条"]


def test_binary_file_with_text_extension_is_a_load_error(tmp_path):
    path = tmp_path / "data.txt"
    path.write_bytes(b"\x00\x01\x02\x03" * 512)
    with pytest.raises(LoadError, match="data.txt"):
        load_one(path)
