"""The rectification job ("rectify"): what must be rectified, who is
responsible, the deadline and the penalty, each a quote with its citation.

- Requirement: the articles, clauses and checklist items the finding is
  against, found by the search (checklist.entries), without a campaign's
  objectives and focus lists (they say what a campaign is after, not what an
  enterprise must do), deadlines and penalties (their own sections).
- Who: sentences that name the party responsible for rectifying or ordering
  it ("bears primary responsibility", "负总责", "shall order rectification").
- Deadline: the period a plan sets for this type of finding ("30 days for
  defects requiring purchase or repair of devices, such as interlocks"), the
  one that shares most with the question, in each plan found.
- Penalty: the penalty clauses of the requirement's own document that name
  its article ("Where an enterprise violates Article 15, Article 16 or Article
  18 ... may impose a fine of ..."), else the penalty clause nearest the question.

The search for an answer (`extra_hits`) adds the plans' deadline passages and
the penalty clauses to what the question found, so that every section quotes
a passage the search returned.
"""
from __future__ import annotations

import re
from typing import Mapping

from core.text import sentence_spans
from index.search import Hit, Index
from index.tokenize import TokenFinder
from ingest.models import Chunk
from ingest.structure import zh_to_int

from . import kinds
from .checklist import entries, leaves_out
from .layout import Entry, Quote, Section

LABELS = {
    "en": ("What must be rectified", "Who is responsible", "Deadline", "Penalty"),
    "zh": ("整改要求", "责任主体", "整改期限", "处罚"),
}
MAX_REQUIREMENTS = 4
MAX_ITEMS = 2  # checklist items among the requirements, after the articles
REQUIREMENT_QUOTES = 2  # sentences of one article quoted besides its lead: the ones the finding is against
TOP_HITS = 8  # requirements come from the question's own hits (the others were searched for the other sections)
KEEP_SHARE = 0.5  # checklist items down to this share of the best
MAX_WHO, MAX_DEADLINES, MAX_PENALTIES = 2, 2, 2
CONSEQUENCES = 2  # sentences of a penalty clause quoted after its fine
# What the extra searches add to the question (in its language).
DEADLINE_QUERY = {"en": "rectification deadline days", "zh": "整改期限"}
WHO_QUERY = {"en": "primary responsibility principal person in charge rectification", "zh": "隐患整改 负总责 主体责任"}
PENALTY_QUERY = {"en": "penalty fine rectification within a time limit", "zh": "责令限期改正 罚款"}
EXTRA_K = 3
DEADLINES_SEARCHED = 10  # plan passages read for the EXTRA_K that state a rectification period
# What a question asks about besides what to rectify: answered first.
# "如何处理" asks about a penalty after a breach ("逾期未整改的，如何处理？"); of a
# thing ("这些废料如何处理？") it asks how to handle it, which is the requirement.
_ASKS_PENALTY = re.compile(r"penalt|\bfines?\b|\bfined\b|sanction|punish|罚|处分|后果|法律责任|"
                           r"(?:违反|违法|违规|未|没|拒|擅自|逾期|过期|到期|超期|仍然|继续)[^。；？?]{0,24}(?:怎么|如何|怎样)处理", re.I)
_ASKS_DEADLINE = re.compile(r"deadline|\bby when\b|how (?:long|many days|soon|quickly)|time limit|within how|期限|时限|多久|几天|多少天|"
                            r"多长时间|什么时候", re.I)
_ASKS_WHO = re.compile(r"\bwho\b|\bwhose\b|responsib|谁|哪个部门|责任", re.I)
PASSAGES = ("regulation", "standard", "guidance", "plan", "note")

_EN_ARTICLES = re.compile(r"\bArticles?\s+(\d+(?:(?:\s*,\s*|\s+(?:and|or|to)\s+)(?:Article\s+)?\d+)*)", re.I)
_ZH_ARTICLE = re.compile(r"第([零〇一二三四五六七八九十百千两\d]+)条")
_NUMBER = re.compile(r"\d+")
# The party that bears the responsibility, or orders the rectification.
_BEARS = re.compile(r"负总责|主体责任|第一责任人|\bprimary responsibility\b|\bfirst person responsible\b|"
                    r"\bfully responsible\b|全面负责", re.I)
_PRIMARY = re.compile(r"负总责|主体责任|第一责任人|\bprimary responsibility\b|\bprincipal person in charge\b|"
                      r"\bfirst person responsible\b|\bshall order (?:the )?rectification\b|责令[^。；]{0,6}(?:整改|改正)", re.I)


def article_numbers(text: str) -> set[int]:
    """The article numbers a text names ("Article 15, Article 16 or Article 18",
    "Articles 27 and 28", "第十七条、第十八条")."""
    found = {int(n) for m in _EN_ARTICLES.finditer(text) for n in _NUMBER.findall(m.group(1))}
    for m in _ZH_ARTICLE.finditer(text):
        number = int(m.group(1)) if m.group(1).isdigit() else zh_to_int(m.group(1))
        if number is not None:
            found.add(number)
    return found


def _own_number(chunk: Chunk) -> int | None:
    numbers = article_numbers(chunk.locator)
    return min(numbers) if len(numbers) == 1 else None


def penalty_clauses(index: Index, hits: list[Hit], limit: int = 5) -> list[Hit]:
    """The penalty clauses, in the documents of the regulation articles among
    the hits, that name one of those articles: the penalty for breaking them."""
    wanted: dict[str, set[int]] = {}
    for hit in hits:
        number = _own_number(hit.chunk)
        if hit.chunk.doc_type == "regulation" and number is not None:
            wanted.setdefault(hit.chunk.doc_id, set()).add(number)
    out: list[Hit] = []
    for doc, numbers in wanted.items():
        rows = index.catalog.rows_where("doc_id = ?", [doc])
        for chunk in index.catalog.chunks(sorted(int(r) for r in rows)):
            if _own_number(chunk) in numbers or not kinds.is_penalty(chunk.text):
                continue
            if article_numbers(chunk.text) & numbers:
                out.append(Hit(chunk, 0.0))
    return out[:limit]


def responsibility_clauses(index: Index, hits: list[Hit], docs: int = 2, limit: int = 2) -> list[Hit]:
    """The clauses that say who bears the responsibility ("bears primary
    responsibility", "负主体责任") in the first regulations among the hits."""
    out: list[Hit] = []
    for doc in list(dict.fromkeys(h.chunk.doc_id for h in hits if h.chunk.doc_type == "regulation"))[:docs]:
        rows = index.catalog.rows_where("doc_id = ?", [doc])
        found = [c for c in index.catalog.chunks(sorted(int(r) for r in rows)) if _PRIMARY.search(c.text)
                 and not kinds.is_penalty(c.text)]
        out += [Hit(c, 0.0) for c in found[:limit]]
    return out


def extra_hits(index: Index, question: str, lang: str, hits: list[Hit], filters: Mapping | None) -> list[Hit]:
    """What a rectification answer needs besides the question's hits: the plans'
    deadlines, the parties responsible, the penalty clauses of the articles found."""
    filters = {k: v for k, v in dict(filters or {}).items() if k != "doc_type"}
    found = penalty_clauses(index, hits) + responsibility_clauses(index, hits)
    # (words, filters, passages read, the passages kept): of the plans, those
    # that state a period, the nearest first (a plan's objectives or focus
    # lists can rank above its deadlines).
    searches = [(DEADLINE_QUERY, {**filters, "doc_type": "plan"}, DEADLINES_SEARCHED, states_deadline),
                (WHO_QUERY, {**filters, "doc_type": list(PASSAGES)}, EXTRA_K, None)]
    if not found:
        searches.append((PENALTY_QUERY, {**filters, "doc_type": "regulation"}, EXTRA_K, None))
    for words, where, read, keep in searches:
        nearest = index.search(f"{question} {words[lang]}", read, where)
        found += [h for h in nearest if keep is None or keep(h)][:EXTRA_K]
    seen = {c.chunk_id for h in hits for c in h.chunks}
    out = []
    for hit in found:
        if hit.chunk.chunk_id not in seen:
            seen.update(c.chunk_id for c in hit.chunks)
            out.append(hit)
    return out


def states_deadline(hit: Hit) -> bool:
    """Whether a passage states a rectification period (kinds.is_deadline),
    a list item read with its passage's lead."""
    return any(kinds.is_deadline(c.text[start:end], c.text) for c in hit.chunks
               for start, end in sentence_spans(c.text))


def _sentences(hits: list[Hit]):
    """(rank, chunk, start, end, whether its article is a penalty clause, the
    text around it) of every sentence of the hits."""
    for rank, hit in enumerate(hits):
        if hit.chunk.doc_type == "record":
            continue
        around = "\n".join([*hit.chunk.heading_path, *(c.text for c in hit.chunks)])
        penalty = any(kinds.is_penalty(c.text) for c in hit.chunks)
        for chunk in hit.chunks:
            for start, end in sentence_spans(chunk.text):
                bullet = kinds.bullet(chunk.text[start:end])
                start += bullet.end() if bullet else 0
                line = chunk.text[start:end].strip()
                if len(line) >= 6 and not kinds.is_header_row(line):
                    yield rank, chunk, start, end, penalty, around


def _not_a_requirement(sentence: str, heading_path: tuple[str, ...] = ()) -> bool:
    return (leaves_out(sentence, heading_path) or kinds.is_focus(sentence, heading_path)
            or kinds.is_deadline(sentence) or kinds.is_penalty(sentence))


REQUIREMENT_TYPES = ("regulation", "standard", "guidance")  # a plan's articles organise a campaign


def sections(question: str, hits: list[Hit], weights: Mapping[str, float], subject: Mapping[str, float], lang: str,
             dense_found: set[int] = frozenset()) -> list[Section]:
    """The four sections, or [] when nothing found states a requirement or a
    deadline that bears on the question (who alone answers nothing, nor the
    penalty unless the question asks only for the penalty)."""
    labels = LABELS.get(lang, LABELS["en"])
    requirements = _requirements(hits, weights, subject, lang, dense_found)
    used = {(q.chunk.chunk_id, q.start) for e in requirements for q in e.quotes}
    # The articles found, by document: a penalty clause naming one of them is the penalty for breaking it.
    found_articles = {(e.chunk.doc_id, n) for e in requirements for n in [_own_number(e.chunk)] if n is not None}
    found_articles |= {(hit.chunk.doc_id, n) for hit in hits[:TOP_HITS] if hit.chunk.doc_type == "regulation"
                       for n in [_own_number(hit.chunk)] if n is not None}

    finder = TokenFinder(set(weights) | set(subject))
    total, subject_total = sum(weights.values()) or 1.0, sum(subject.values()) or 1.0

    def share(w: Mapping[str, float], t: float, text: str) -> float:
        found = finder(text)
        return sum(v for k, v in w.items() if k in found) / t

    who, deadlines, penalties = [], [], []
    for rank, chunk, start, end, penalty, around in _sentences(hits):
        if (chunk.chunk_id, start) in used:
            continue
        text = chunk.text[start:end]
        other = chunk.lang != lang
        held = share(subject, subject_total, text)
        if penalty:
            names = any((chunk.doc_id, n) in found_articles for n in article_numbers(text) - {_own_number(chunk)})
            if kinds.is_penalty(text) and (names or held > 0):
                penalties.append(((other, not names, -held, rank), chunk, start, end))
        elif kinds.is_focus(text, chunk.heading_path) or kinds.is_scope_or_frame(text):
            continue
        elif kinds.is_deadline(text, around):
            if held > 0:
                deadlines.append(((other, -held, rank), chunk, start, end))
        elif kinds.names_who(text):
            bears = _BEARS.search(text) is not None
            tier = (0 if bears and kinds.RECTIFY_WORDS.search(text) else 1 if bears
                    else 2 if _PRIMARY.search(text) else 3)
            who.append(((other, tier, -share(weights, total, text), rank), chunk, start, end, held))

    deadlines = _pick(deadlines, MAX_DEADLINES, per_document=True)
    penalties = [_with_consequences(e) for e in _pick(penalties, MAX_PENALTIES)]
    if not requirements and not deadlines and not (penalties and _asked_sections(question) == [3]):
        return []
    # Who: a party named where the answer's other quotes come from, or with the question's subject.
    docs = {e.chunk.doc_id for e in requirements + deadlines + penalties}
    who = _pick([((w[1].doc_id not in docs, *w[0]), *w[1:4]) for w in who if w[4] > 0 or w[1].doc_id in docs],
                MAX_WHO)
    return _in_asked_order(question, [Section(labels[0], requirements), Section(labels[1], who),
                                      Section(labels[2], deadlines), Section(labels[3], penalties)])


def _requirements(hits: list[Hit], weights: Mapping[str, float], subject: Mapping[str, float], lang: str,
                  dense_found: set[int]) -> list:
    """What must be rectified: the articles that state a requirement first
    (those listing what inspectors check name the defect, not what must be
    done), in the question's language, then the best quoted items."""
    items, articles = entries(hits, weights, subject, dense_found, _not_a_requirement, REQUIREMENT_QUOTES)
    articles = sorted((e for e in articles if e.chunk.doc_type in REQUIREMENT_TYPES and e.rank < TOP_HITS),
                      key=lambda e: (e.chunk.lang != lang, kinds.is_inspection_duty(e.quotes[0].text),
                                     e.rank))
    best_item = max((e.score for e in items), default=0.0)
    items = sorted((e for e in items if e.score >= KEEP_SHARE * best_item), key=lambda e: -e.score)[:MAX_ITEMS]
    return (articles[:MAX_REQUIREMENTS - len(items)] + items)[:MAX_REQUIREMENTS]


def _in_asked_order(question: str, found: list[Section]) -> list[Section]:
    """A question about one section ("by when?", "罚款多少？") has it answered
    first; a question about several, or none, gets them in their order."""
    asked = _asked_sections(question)
    if len(asked) == 1:
        return [found[asked[0]]] + [s for i, s in enumerate(found) if i != asked[0]]
    return found


def _asked_sections(question: str) -> list[int]:
    """The sections the question asks about by name: 3 the penalty, 2 the
    deadline, 1 who."""
    return [i for i, pattern in ((3, _ASKS_PENALTY), (2, _ASKS_DEADLINE), (1, _ASKS_WHO)) if pattern.search(question)]


def _with_consequences(entry: Entry) -> Entry:
    """A fine with what follows it in its clause ("; where rectification is not
    completed within the time limit, the department shall order the suspension
    ...", "逾期未改正的，责令停止……"): the penalty for not rectifying."""
    fine = entry.quotes[0]
    after = [Quote(fine.chunk, s, e) for s, e in sentence_spans(fine.chunk.text) if s > fine.start]
    return Entry([fine, *after[:CONSEQUENCES]], entry.score, entry.rank)


def _pick(found, limit: int, per_document: bool = False) -> list[Entry]:
    """The first `limit` of (key, chunk, start, end) by key, each text once
    (and one per document when `per_document`)."""
    out, docs, texts = [], set(), set()
    for key, chunk, start, end in sorted(found, key=lambda item: item[0]):
        text = re.sub(r"\s+", "", chunk.text[start:end])
        if text in texts or (per_document and chunk.doc_id in docs):
            continue
        texts.add(text)
        docs.add(chunk.doc_id)
        out.append(Entry([Quote(chunk, start, end)]))
        if len(out) == limit:
            break
    return out
