"""UI text in English and Chinese. Answers are written in the question's
language by the answerer; this module only covers the page's own words.

`text(lang, key, **values)` formats one string; a key missing from one
language is an error at import time (see the check at the bottom), not a blank
label on the page."""
from __future__ import annotations

import datetime as dt
import re

LANGS = ("en", "zh")
LANG_NAMES = {"en": "English", "zh": "中文"}

# Page mode -> answerer mode. "Ask" lets the answerer read the job from the question.
MODES = ("auto", "howto", "rectify", "similar", "hazard")

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "SafeCite",
        "tagline": "Answers from regulations, standards, plans and inspection records, each statement cited to its document, article and page.",
        "language": "Language",
        "signin": "Sign in", "signin_name": "User name", "signin_password": "Password or API key",
        "signin_button": "Sign in", "signin_failed": "The name and password (or the API key) do not match an account.",
        "signed_in": "Signed in as {name} ({role})", "signout": "Sign out",
        "sso_button": "Sign in with {provider}",
        "sso_unknown": "You are signed in as {who}, but SafeCite has no account of that name. Ask an admin to "
                       "add you: an account named by your email.",
        "audit_admins": "The audit trail is shown to admins.",
        "role.reader": "reader", "role.editor": "editor", "role.admin": "admin",
        "public_without_accounts": "This page is served on {address}, which others can reach, and no account is "
                                   "configured. Add one first (make user NAME=alice ROLE=admin), or serve it on "
                                   "127.0.0.1.",
        "mode": "Job",
        "mode.auto": "Ask",
        "mode.howto": "Inspection checklist",
        "mode.rectify": "Rectification requirements",
        "mode.similar": "Similar findings",
        "mode.hazard": "Major hazard?",
        "example.hazard": "The dry dust collector of the wood sanding line has no explosion vent, no suppression and no inerting.",
        "hazard.major": "Major accident hazard",
        "hazard.not_major": "Not a major hazard under the criteria",
        "hazard.unknown": "Cannot tell from this description",
        "hazard.item": "Under {locator} of {title}",
        "hazard.nearest": "Nearest item: {locator} of {title}",
        "hazard.met": "Condition met: {condition}",
        "hazard.unmet": "Condition not met: {condition}",
        "hazard.unsaid": "Fact that would decide it: {condition}",
        "hazard.exception": "The finding falls under the item's exception: {phrase}",
        "hazard.words": "words of the finding: {words}",
        "hazard.no_criteria": "No major-hazard criteria document is indexed; ingest one first.",
        "hazard.others": "Other items considered",
        "hazard.kind": "The finding names {kind}; the item is about what is not {kind} (非{kind})",
        "hazard.scope": "The finding names {named}; the item is about {scope}",
        "hazard.little": "The finding says next to nothing of this nearest item's conditions, and meets no other item",
        "hazard.outside": "Condition of the item (the finding's words match it, but the finding is outside the item): {condition}",
        "hazard.follows": "What follows for a major hazard:",
        "hazard.llm": "Judged by the language model; the conditions listed are the item's own words.",
        "hazard.llm_dropped": "The language model's verdict did not hold against the item; this is the reading of the words.",
        "example": "Example: {question}",
        "example.auto": "How often must fixed carbon monoxide detectors be calibrated?",
        "example.howto": "How do I inspect dust explosion risks in a polishing workshop?",
        "example.rectify": "What must be done when a dust collector is not grounded?",
        "example.similar": "The wet scrubber's water level switch was unplugged, so the polishing machines kept running",
        "input": "Ask about a rule, an inspection or a finding…",
        "resolved": "Read as: {question}",
        "refusal": "Not answered by the indexed documents",
        "nearest": "Nearest passages (not answering):",
        "citations": "Citations",
        "page": "p. {page}",
        "quote": "Quoted",
        "open_source": "Show the whole document",
        "source_meta": "Issuer: {issuer} · Number: {number} · Effective: {effective}",
        "unknown": "not stated",
        "before": "Earlier text of the document ({chars} characters)",
        "pdf_page": "Page {page} of the PDF, as indexed",
        "ocr": "OCR text",
        "ocr_note": "Recognised by OCR from a scanned page or photo: check it against the page image.",
        "ocr_page": "Page {page} as scanned",
        "download_source": "Download the source file",
        "open_pdf_page": "Open page {page} of the PDF",
        "source_missing": "The source file is no longer where it was ingested from; showing its indexed passages.",
        "passage_gone": "This passage is no longer in the index: its document was replaced or removed since.",
        "records": "Matching findings",
        "col.n": "#", "col.enterprise": "Enterprise", "col.city": "City", "col.date": "Date",
        "col.hazard": "Hazard", "col.status": "Status", "col.deadline": "Deadline", "col.clause": "Cited clause",
        "col.finding": "Finding",
        "filters": "Filters for similar findings",
        "filter.city": "City", "filter.sector": "Sector", "filter.status": "Status",
        "filter.date_from": "From", "filter.date_to": "To",
        "export_answer": "Download this answer (Markdown)",
        "export_session": "Download the session (Markdown)",
        "documents": "Documents",
        "indexed": "{documents} documents, {chunks} chunks · index {generation} · last ingest {created}",
        "per_type": "{doc_type} ({doc_lang}): {documents} documents, {chunks} chunks",
        "upload": "Add documents",
        "upload_help": "PDF, DOCX, MD, TXT, HTML, CSV, XLSX, PNG or JPEG (read by OCR), up to {mb} MB each. Files are stored under their content hash, never under their own name.",
        "ingest_button": "Ingest the files",
        "ingesting": "Ingesting…",
        "added": "Added: {names}",
        "replaced": "Replaced: {names}",
        "unchanged": "Already indexed, unchanged: {names}",
        "skipped": "Skipped {name}: {reason}",
        "nothing": "Nothing changed.",
        "remove": "Remove a document from the index",
        "remove_button": "Remove",
        "removed": "Removed: {names}",
        "remove_note": "An uploaded file is deleted; a file from an ingested folder stays on disk and returns when that folder is ingested again.",
        "audit": "Audit trail",
        "audit_caption": "Every question, its answer, citations and index version, kept in {path}.",
        "audit_export": "Download the audit trail (CSV)",
        "audit_empty": "No questions asked yet.",
        "llm_streaming": "The language model is writing; the verified answer replaces this text.",
        "error": "Error: {message}",
        "no_index": "No index yet. Run `make run` (it ingests corpus/) or add documents below.",
        "doc_type.regulation": "regulation", "doc_type.standard": "standard", "doc_type.guidance": "guidance",
        "doc_type.plan": "plan", "doc_type.record": "inspection record", "doc_type.note": "note",
        "lang.en": "English", "lang.zh": "Chinese",
        "row": "row {n}",
        "mode.lookup": "Question",
        "quote_other": "Original (Chinese)",
        "gloss": "Translation (by the language model; the original prevails)",
        "tab.chat": "Questions and answers", "tab.documents": "Indexed documents",
        "choose": "Choose…",
        "quote_other_lang": "zh",
        "upload_button": "Upload",
        "remove_confirm": "Remove “{name}” from the index? Questions will no longer be answered from it.",
        "remove_confirm_upload": "Remove “{name}” from the index? The uploaded file is deleted.",
        "remove_yes": "Yes, remove it",
        "remove_no": "Cancel",
        "remove_cancelled": "Nothing was removed.",
        "doc.title": "Title", "doc.type": "Type", "doc.lang": "Language", "doc.chunks": "Passages",
        "doc.source": "File", "doc.ingested": "Ingested",
        "audit.id": "No.", "audit.at": "Time", "audit.session": "Session", "audit.user": "User",
        "audit.question": "Question",
        "audit.resolved_question": "Read as", "audit.mode": "Job", "audit.lang": "Language",
        "audit.grounded": "Answered", "audit.answer": "Answer", "audit.citations": "Citations",
        "audit.generator": "Answered by", "audit.generation": "Index version", "audit.filters": "Filters",
        "yes": "yes", "no": "no",
        "generator.extractive": "quotes, no language model",
        "generator.llm": "language model {model}",
        "reason.empty": "empty file",
        "reason.type": "unsupported file type {suffix} (allowed: {allowed})",
        "reason.size": "{size} is over the {mb} MB limit",
        "reason.unreadable": "the file could not be read ({detail})",
        # similar findings: the records table and the filters an answer was asked with
        "col.rank": "Rank", "col.record": "Record", "col.rectification": "Rectification required",
        "filters_used": "Filters: {filters}",
        "filter.hazard_category": "Hazard", "filter.enterprise": "Enterprise",
    },
    "zh": {
        "title": "SafeCite",
        "tagline": "依据法规、标准、整改方案和检查记录作答，每句话都注明出处文件、条款和页码。",
        "language": "语言",
        "signin": "登录", "signin_name": "用户名", "signin_password": "密码或 API 密钥",
        "signin_button": "登录", "signin_failed": "用户名和密码（或 API 密钥）与任何账户都不匹配。",
        "signed_in": "当前用户：{name}（{role}）", "signout": "退出登录",
        "sso_button": "通过 {provider} 登录",
        "sso_unknown": "您已登录为 {who}，但 SafeCite 没有以此命名的账户。请联系管理员为您添加以您的邮箱命名的账户。",
        "audit_admins": "审计记录仅向管理员显示。",
        "role.reader": "查阅者", "role.editor": "编辑者", "role.admin": "管理员",
        "public_without_accounts": "本页面在他人可访问的地址 {address} 上提供服务，但尚未配置任何账户。请先添加账户"
                                   "（make user NAME=alice ROLE=admin），或仅在 127.0.0.1 上提供服务。",
        "mode": "任务",
        "mode.auto": "提问",
        "mode.howto": "检查清单",
        "mode.rectify": "整改要求",
        "mode.similar": "类似隐患",
        "mode.hazard": "重大隐患判定",
        "example.hazard": "木材砂光线的干式除尘器没有泄爆口，也没有抑爆和惰化措施。",
        "hazard.major": "重大事故隐患",
        "hazard.not_major": "按判定标准不构成重大事故隐患",
        "hazard.unknown": "根据这段描述无法判定",
        "hazard.item": "依据：{title} {locator}",
        "hazard.nearest": "最接近的条款：{title} {locator}",
        "hazard.met": "符合的条件：{condition}",
        "hazard.unmet": "未满足的条件：{condition}",
        "hazard.unsaid": "需要说明的事实：{condition}",
        "hazard.exception": "描述属于该项的除外情形：{phrase}",
        "hazard.words": "描述中对应的词：{words}",
        "hazard.no_criteria": "索引中没有重大事故隐患判定标准，请先导入。",
        "hazard.others": "其他候选条款",
        "hazard.kind": "描述所说的是“{kind}”，该项针对的是“非{kind}”",
        "hazard.scope": "描述所说的是“{named}”，该项针对的是“{scope}”",
        "hazard.little": "描述几乎没有说到这一最接近条款的条件，也没有符合其他条款",
        "hazard.outside": "该项的条件（描述的字面与之相符，但不在该项的范围内）：{condition}",
        "hazard.follows": "构成重大事故隐患后的要求：",
        "hazard.llm": "由语言模型判定；所列条件均为该条款原文。",
        "hazard.llm_dropped": "语言模型的判定与条款原文不符，未采用；以下为按字词比对的结果。",
        "example": "示例：{question}",
        "example.auto": "一氧化碳检测报警装置的一级报警值设定为多少？",
        "example.howto": "如何检查抛光车间的粉尘爆炸风险？",
        "example.rectify": "除尘器未接地应当如何整改？",
        "example.similar": "湿式除尘器水位联锁被断开，水位下降后抛光机仍然继续运转，没有自动停机",
        "input": "询问法规条款、检查要点或隐患……",
        "resolved": "理解为：{question}",
        "refusal": "已索引的文件没有回答这个问题",
        "nearest": "最接近的段落（不构成回答）：",
        "citations": "引用",
        "page": "第{page}页",
        "quote": "引文",
        "open_source": "显示整份文件",
        "source_meta": "发布机关：{issuer} · 文号：{number} · 施行日期：{effective}",
        "unknown": "未注明",
        "before": "文件中此前的内容（{chars}字）",
        "pdf_page": "PDF第{page}页（索引文本）",
        "ocr": "OCR识别文本",
        "ocr_note": "此段文字由OCR从扫描页或照片识别，请对照页面图像核对。",
        "ocr_page": "扫描件第{page}页",
        "download_source": "下载原文件",
        "open_pdf_page": "打开PDF原文第{page}页",
        "source_missing": "原文件已不在导入时的位置，下面显示其已索引的段落。",
        "passage_gone": "该段落已不在索引中：其文件此后已被替换或删除。",
        "records": "匹配的检查记录",
        "col.n": "#", "col.enterprise": "企业", "col.city": "城市", "col.date": "日期",
        "col.hazard": "隐患类别", "col.status": "状态", "col.deadline": "整改期限", "col.clause": "依据条款",
        "col.finding": "隐患描述",
        "filters": "类似隐患筛选",
        "filter.city": "城市", "filter.sector": "行业", "filter.status": "状态",
        "filter.date_from": "起始日期", "filter.date_to": "截止日期",
        "export_answer": "下载此回答（Markdown）",
        "export_session": "下载本次会话（Markdown）",
        "documents": "文件",
        "indexed": "{documents}份文件，{chunks}个段落 · 索引{generation} · 最近导入{created}",
        "per_type": "{doc_type}（{doc_lang}）：{documents}份文件，{chunks}个段落",
        "upload": "添加文件",
        "upload_help": "PDF、DOCX、MD、TXT、HTML、CSV、XLSX、PNG或JPEG（OCR识别），每个不超过{mb} MB。文件按内容哈希保存，不使用原文件名作路径。",
        "ingest_button": "导入文件",
        "ingesting": "正在导入……",
        "added": "已添加：{names}",
        "replaced": "已替换：{names}",
        "unchanged": "已在索引中且未变化：{names}",
        "skipped": "已跳过{name}：{reason}",
        "nothing": "没有变化。",
        "remove": "从索引中删除文件",
        "remove_button": "删除",
        "removed": "已删除：{names}",
        "remove_note": "上传的文件会被删除；来自已导入文件夹的文件仍在磁盘上，再次导入该文件夹时会重新加入。",
        "audit": "审计记录",
        "audit_caption": "每个问题、回答、引用和索引版本都记录在{path}。",
        "audit_export": "下载审计记录（CSV）",
        "audit_empty": "还没有提问。",
        "llm_streaming": "语言模型正在作答；核验后的回答将替换这段文字。",
        "error": "错误：{message}",
        "no_index": "还没有索引。运行`make run`（会导入corpus/）或在下方添加文件。",
        "doc_type.regulation": "法规", "doc_type.standard": "标准", "doc_type.guidance": "指南",
        "doc_type.plan": "方案", "doc_type.record": "检查记录", "doc_type.note": "其他文件",
        "lang.en": "英文", "lang.zh": "中文",
        "row": "第{n}行",
        "mode.lookup": "问答",
        "quote_other": "原文（英文）",
        "gloss": "译文（语言模型翻译，以原文为准）",
        "tab.chat": "问答", "tab.documents": "已索引的文件",
        "choose": "请选择……",
        "quote_other_lang": "en",
        "upload_button": "上传",
        "remove_confirm": "确定从索引中删除“{name}”吗？删除后将不再依据它作答。",
        "remove_confirm_upload": "确定从索引中删除“{name}”吗？上传的文件将被删除。",
        "remove_yes": "确认删除",
        "remove_no": "取消",
        "remove_cancelled": "没有删除任何文件。",
        "doc.title": "标题", "doc.type": "类型", "doc.lang": "语言", "doc.chunks": "段落数",
        "doc.source": "文件", "doc.ingested": "导入时间",
        "audit.id": "序号", "audit.at": "时间", "audit.session": "会话", "audit.user": "用户",
        "audit.question": "问题",
        "audit.resolved_question": "理解为", "audit.mode": "任务", "audit.lang": "语言",
        "audit.grounded": "是否作答", "audit.answer": "回答", "audit.citations": "引用",
        "audit.generator": "作答方式", "audit.generation": "索引版本", "audit.filters": "筛选条件",
        "yes": "是", "no": "否",
        "generator.extractive": "原文引用，未用语言模型",
        "generator.llm": "语言模型 {model}",
        "reason.empty": "空文件",
        "reason.type": "不支持的文件类型{suffix}（允许：{allowed}）",
        "reason.size": "{size}超过{mb} MB的上限",
        "reason.unreadable": "无法读取该文件（{detail}）",
        # 类似隐患：检查记录表和提问时的筛选条件
        "col.rank": "排名", "col.record": "记录编号", "col.rectification": "整改要求",
        "filters_used": "筛选条件：{filters}",
        "filter.hazard_category": "隐患类别", "filter.enterprise": "企业",
    },
}


def text(lang: str, key: str, **values: object) -> str:
    table = TEXT.get(lang, TEXT["en"])
    return table[key].format(**values) if values else table[key]


def doc_type_name(lang: str, doc_type: str) -> str:
    key = f"doc_type.{doc_type}"
    return text(lang, key) if key in TEXT["en"] else doc_type


def lang_name(lang: str, code: str) -> str:
    """The name of a document's language in the page's language (英文, Chinese)."""
    key = f"lang.{code}"
    return text(lang, key) if key in TEXT["en"] else code


_ROW = re.compile(r"(?:(.+) )?row (\d+)")


def locator_name(lang: str, locator: str) -> str:
    """A table row's locator in the page's language ('row 6' -> '第6行'); an
    article's locator is the document's own words and stays as it is."""
    match = _ROW.fullmatch(locator)
    if not match:
        return locator
    row = text(lang, "row", n=match.group(2))
    return f"{match.group(1)} {row}" if match.group(1) else row


def when(iso: str) -> str:
    """An ISO time as 'YYYY-MM-DD HH:MM UTC' (as given when it is not one)."""
    try:
        moment = dt.datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M") + " UTC"


_REASONS = (
    (re.compile(r"empty file"), "reason.empty"),
    (re.compile(r"unsupported file type '(?P<suffix>[^']*)' \(allowed: (?P<allowed>.*)\)"), "reason.type"),
    (re.compile(r"(?P<size>[\d.]+ MB) is over the (?P<mb>\d+) MB limit"), "reason.size"),
)


def reason_text(lang: str, reason: str) -> str:
    """Why a file was refused, in the page's language: the upload checks' own
    reasons translated; a parser's reason follows in brackets as it was given."""
    for pattern, key in _REASONS:
        match = pattern.fullmatch(reason)
        if match:
            return text(lang, key, **match.groupdict())
    return reason if lang == "en" else text(lang, "reason.unreadable", detail=reason)


def mode_name(lang: str, mode: str) -> str:
    key = f"mode.{mode}"
    return text(lang, key) if key in TEXT["en"] else mode


def generator_name(lang: str, generator: str) -> str:
    if generator.startswith("llm:"):
        return text(lang, "generator.llm", model=generator[4:])
    return text(lang, "generator.extractive") if generator == "extractive" else generator


def browser_lang(locale: str | None) -> str | None:
    """'zh-CN', 'zh-Hant-TW' -> zh; 'en-US' -> en; anything else or unknown -> None."""
    if not locale:
        return None
    code = locale.replace("_", "-").split("-")[0].lower()
    return code if code in LANGS else None


_missing = {lang: sorted(set(TEXT["en"]) ^ set(TEXT[lang])) for lang in LANGS}
if any(_missing.values()):  # pragma: no cover - a programming error, caught by any test importing this
    raise KeyError(f"UI text keys differ between languages: {_missing}")
