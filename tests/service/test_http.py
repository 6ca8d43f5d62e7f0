"""The HTTP API served by uvicorn over a copy of the shared real index of
corpus/ (conftest.py: real_corpus_index), called as its users call it: the
official `openai` client on the OpenAI-compatible door, plain HTTP on /v1,
with a reader's, an editor's and an admin's keys."""
from __future__ import annotations

import re
import shutil

import httpx
import pytest
from support import ServedApp

from service import Accounts, SafeCite
from service.http import create_app

pytestmark = pytest.mark.corpus

CO_QUESTION = "How often must fixed carbon monoxide detectors be calibrated?"
REFUSED = "What torque in N·m should the bolts of a dust collector explosion vent panel be tightened to?"
DUST = "How do I inspect dust explosion risks in an aluminium polishing shop?"
SOURCE_LINE = re.compile(r"^\[(\d+)\] (.+)$", re.M)


@pytest.fixture(scope="module")
def api(real_corpus_index, tmp_path_factory):
    """(base URL, {role: key}, the SafeCite served); uploads go to a copy of the index."""
    folder, index = real_corpus_index
    base = tmp_path_factory.mktemp("http-api")
    shutil.copytree(folder, base / "index")
    embedders = {route.model: index.embedder_for(route.model) for route in index.plan}
    safecite = SafeCite(base / "index", uploads=base / "uploads", audit=base / "audit.sqlite", embedders=embedders)
    accounts = Accounts(base / "accounts.sqlite")
    keys = {role: accounts.add_user(role, role) for role in ("reader", "editor", "admin")}
    with ServedApp(create_app(safecite, accounts=accounts, rate=0, signin_rate=0)) as url:
        yield url, keys, safecite


@pytest.fixture
def http(api):
    url, keys, _ = api
    with httpx.Client(base_url=url, timeout=300) as client:
        yield client


def auth(api, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api[1][role]}"}


@pytest.fixture
def client(api):
    import openai

    url, keys, _ = api
    return openai.OpenAI(base_url=f"{url}/v1", api_key=keys["reader"], timeout=300, max_retries=0)


def cited_numbers(content: str) -> tuple[set[str], dict[str, str]]:
    """The [n] markers of the answer part, and the numbered source list after it."""
    answer, _, sources = content.partition("\n\nSources:\n")
    return set(re.findall(r"\[(\d+)\]", answer)), dict(SOURCE_LINE.findall(sources))


def test_a_plain_question_through_the_openai_client_cites_in_text_and_field(client):
    completion = client.chat.completions.create(model="safecite", messages=[{"role": "user", "content": CO_QUESTION}])
    content = completion.choices[0].message.content
    assert "6 months" in content and completion.choices[0].finish_reason == "stop"
    markers, sources = cited_numbers(content)
    assert markers and markers <= set(sources), content
    citations = completion.citations
    assert completion.refused is False and [str(c["n"]) for c in citations] == list(sources)
    first = citations[0]
    assert first["title"] == "Metallurgical Gas Safety Rules" and first["locator"] == "Article 21"
    assert sources["1"].startswith("Metallurgical Gas Safety Rules, Article 21") and first["text"]


def test_a_streamed_answer_arrives_in_pieces_and_ends_with_its_citations(client):
    stream = client.chat.completions.create(model="safecite", stream=True,
                                            messages=[{"role": "user", "content": CO_QUESTION}])
    chunks = list(stream)
    pieces = [c.choices[0].delta.content or "" for c in chunks]
    assert chunks[0].choices[0].delta.role == "assistant" and len([p for p in pieces if p]) > 5
    content = "".join(pieces)
    assert "6 months" in content and chunks[-1].choices[0].finish_reason == "stop"
    markers, sources = cited_numbers(content)
    assert markers and markers <= set(sources)
    assert [str(c["n"]) for c in chunks[-1].citations] == list(sources)
    # The same answer as asked without streaming.
    plain = client.chat.completions.create(model="safecite", messages=[{"role": "user", "content": CO_QUESTION}])
    assert plain.choices[0].message.content == content


def test_a_follow_up_is_read_against_the_conversations_earlier_question(client):
    first = client.chat.completions.create(model="safecite", messages=[{"role": "user", "content": DUST}])
    follow = client.chat.completions.create(model="safecite", messages=[
        {"role": "user", "content": DUST},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "and for magnesium dust?"}])
    content = follow.choices[0].message.content
    assert follow.refused is False and re.search(r"[Mm]agnesium", content), content
    markers, sources = cited_numbers(content)
    assert markers and markers <= set(sources) and follow.citations
    # Alone, the same words are not read as that question.
    alone = client.chat.completions.create(model="safecite",
                                           messages=[{"role": "user", "content": "and for magnesium dust?"}])
    assert alone.choices[0].message.content != content


def test_a_question_the_documents_do_not_answer_is_an_ordinary_refusal(client):
    completion = client.chat.completions.create(model="safecite", messages=[{"role": "user", "content": REFUSED}])
    message = completion.choices[0].message
    assert message.role == "assistant" and completion.choices[0].finish_reason == "stop"
    assert message.content.startswith("The indexed documents do not answer this.")
    assert completion.refused is True and completion.citations == [] and "Sources:" not in message.content


def test_the_openai_client_raises_its_own_errors_with_the_apis_message(api, client):
    import openai

    url, _, _ = api
    stranger = openai.OpenAI(base_url=f"{url}/v1", api_key="sc_not-a-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError, match="unknown API key"):
        stranger.chat.completions.create(model="safecite", messages=[{"role": "user", "content": CO_QUESTION}])
    with pytest.raises(openai.UnprocessableEntityError, match="model: Input should be 'safecite'"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": CO_QUESTION}])
    with pytest.raises(openai.UnprocessableEntityError, match="last message must be the user's question"):
        client.chat.completions.create(model="safecite", messages=[{"role": "assistant", "content": "Hello"}])


def test_one_model_per_job(client):
    assert [m.id for m in client.models.list()] == ["safecite", "safecite-checklist", "safecite-rectify",
                                                    "safecite-similar", "safecite-hazard"]


def test_ask_returns_the_answer_its_citations_and_the_audit_trail_names_the_key(api, http):
    reply = http.post("/v1/ask", json={"question": CO_QUESTION}, headers=auth(api, "reader"))
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["refused"] is False and body["verdict"] is None and "[1]" in body["answer"]
    assert {"source", "title", "locator", "page", "text"} <= set(body["citations"][0])
    # The passage behind a citation, with its page.
    chunk_id = body["citations"][0]["chunk_id"]
    source = http.get(f"/v1/sources/{chunk_id}", headers=auth(api, "reader")).json()
    assert source["locator"] == "Article 21" and "calibrated" in source["text"]
    assert source["page"] == body["citations"][0]["page"] and source["document"]["title"] == body["citations"][0]["title"]
    assert http.get("/v1/sources/no-such-chunk", headers=auth(api, "reader")).status_code == 404
    trail = http.get("/v1/audit", headers=auth(api, "admin")).json()
    assert any(e["question"] == CO_QUESTION and e["user"] == "reader" for e in trail["entries"])


def test_similar_findings_with_a_filter_come_as_records(api, http):
    reply = http.post("/v1/ask", headers=auth(api, "reader"), json={
        "question": "The wet scrubber's water level switch was unplugged, so the polishing machines kept running",
        "job": "similar", "filters": {"city": ["Eastbridge"]}})
    body = reply.json()
    assert reply.status_code == 200 and body["job"] == "similar" and body["filters"] == {"city": ["Eastbridge"]}
    assert body["records"] and {r["city"] for r in body["records"]} == {"Eastbridge"}


def test_the_hazard_job_gives_the_verdict_fields(api, http):
    finding = "The dry dust collector of the wood sanding line has no explosion vent, no suppression and no inerting."
    body = http.post("/v1/ask", json={"question": finding, "job": "hazard"}, headers=auth(api, "reader")).json()
    verdict = body["verdict"]
    assert body["job"] == "hazard" and verdict["major"] is True and verdict["item"]
    assert any(c["met"] for c in verdict["conditions"])  # alternatives: one met is enough
    assert body["citations"][0]["locator"] == verdict["item"]


@pytest.mark.parametrize("payload, says", [
    ({"question": "How often?", "job": "poem"}, "job: Input should be 'auto'"),
    ({"question": CO_QUESTION, "filters": {"town": "Riverton"}}, "unknown filter town"),
    ({"question": "   "}, "the question is empty"),
    ({"job": "auto"}, "question: Field required"),
    ({"question": "The collector has no vent.", "job": "hazard", "filters": {"city": "Riverton"}},
     "the hazard job judges one finding"),
])
def test_bad_input_is_a_clear_422(api, http, payload, says):
    reply = http.post("/v1/ask", json=payload, headers=auth(api, "reader"))
    assert reply.status_code == 422 and says in reply.json()["error"]["message"], reply.text


def test_without_a_valid_key_nothing_is_answered(api, http):
    for headers in ({}, {"Authorization": "Bearer sc_not-a-key"}, {"Authorization": "Basic cmVhZGVy"}):
        reply = http.get("/v1/documents", headers=headers)
        assert reply.status_code == 401 and reply.json()["error"]["type"] == "authentication"
    assert http.post("/v1/ask", json={"question": CO_QUESTION}).status_code == 401


def test_a_readers_upload_is_refused_and_changes_nothing(api, http):
    before = http.get("/v1/documents", headers=auth(api, "reader")).json()
    reply = http.post("/v1/documents", headers=auth(api, "reader"),
                      files={"file": ("ladle.md", b"# Ladle Rules\n\nArticle 1 Ladles shall be inspected daily.\n")})
    assert reply.status_code == 403 and "may not upload" in reply.json()["error"]["message"]
    assert http.get("/v1/documents", headers=auth(api, "reader")).json() == before
    one = before["documents"][0]["id"]
    assert http.delete(f"/v1/documents/{one}", headers=auth(api, "reader")).status_code == 403
    assert http.get("/v1/audit", headers=auth(api, "editor")).status_code == 403


def test_an_editors_upload_is_listed_answerable_and_can_be_removed(api, http):
    text = b"# Ladle Trunnion Rules\n\nArticle 1 Ladle trunnions shall be tested by ultrasound once a year.\n"
    reply = http.post("/v1/documents", headers=auth(api, "editor"), files={"file": ("trunnions.md", text)})
    assert reply.status_code == 201, reply.text
    added = reply.json()
    assert added["added"] == ["trunnions.md"] and [d["title"] for d in added["documents"]] == ["Ladle Trunnion Rules"]
    doc_id = added["documents"][0]["id"]
    listed = http.get("/v1/documents", headers=auth(api, "reader")).json()["documents"]
    assert any(d["id"] == doc_id and d["uploaded_as"] == "trunnions.md" for d in listed)
    asked = http.post("/v1/ask", json={"question": "How often shall ladle trunnions be tested by ultrasound?"},
                      headers=auth(api, "reader")).json()
    assert asked["citations"] and asked["citations"][0]["title"] == "Ladle Trunnion Rules", asked
    removed = http.delete(f"/v1/documents/{doc_id}", headers=auth(api, "editor"))
    assert removed.status_code == 200 and removed.json()["removed"]["id"] == doc_id
    assert doc_id not in {d["id"] for d in http.get("/v1/documents", headers=auth(api, "reader")).json()["documents"]}
    assert http.delete(f"/v1/documents/{doc_id}", headers=auth(api, "editor")).status_code == 404
    events = http.get("/v1/audit", headers=auth(api, "admin")).json()["events"]
    assert [(e["user"], e["action"]) for e in events[:2]] == [("editor", "remove"), ("editor", "upload")]


def test_an_upload_over_the_limit_is_413_and_a_refused_file_422(api, http):
    _, _, safecite = api
    before = http.get("/v1/documents", headers=auth(api, "reader")).json()
    big = b"a" * (safecite.uploads.max_bytes + 1)
    reply = http.post("/v1/documents", headers=auth(api, "editor"), files={"file": ("big.txt", big)})
    assert reply.status_code == 413 and "limit" in reply.json()["error"]["message"]
    odd = http.post("/v1/documents", headers=auth(api, "editor"), files={"file": ("tool.exe", b"MZ")})
    assert odd.status_code == 422 and "unsupported file type" in odd.json()["error"]["message"]
    assert http.get("/v1/documents", headers=auth(api, "reader")).json() == before


def test_the_audit_trail_is_for_admins_as_json_or_csv(api, http):
    http.post("/v1/ask", json={"question": CO_QUESTION}, headers=auth(api, "admin"))
    csv = http.get("/v1/audit", params={"format": "csv"}, headers=auth(api, "admin"))
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith(b"\xef\xbb\xbf") and CO_QUESTION in csv.content.decode("utf-8-sig")
    assert http.get("/v1/audit", params={"format": "csv"}, headers=auth(api, "reader")).status_code == 403
    assert http.get("/v1/audit", params={"format": "xml"}, headers=auth(api, "admin")).status_code == 422


EXAMPLES = 12  # per operation and mode: the whole run takes well under a minute


def test_fuzzing_every_operation_of_the_schema_gives_no_server_error(real_corpus_index, tmp_path):
    """schemathesis generates requests from /openapi.json, valid and invalid,
    and sends them with an admin's key to a server of its own (uploads change
    its index); none may be answered 5xx."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis import GenerationMode

    folder, index = real_corpus_index
    shutil.copytree(folder, tmp_path / "index")
    embedders = {route.model: index.embedder_for(route.model) for route in index.plan}
    safecite = SafeCite(tmp_path / "index", uploads=tmp_path / "uploads", audit=tmp_path / "audit.sqlite",
                        embedders=embedders)
    accounts = Accounts(tmp_path / "accounts.sqlite")
    headers = {"Authorization": f"Bearer {accounts.add_user('fuzz', 'admin')}"}
    server_errors, statuses = [], set()
    with ServedApp(create_app(safecite, accounts=accounts, rate=0, signin_rate=0)) as url:
        schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                          suppress_health_check=list(HealthCheck))
                @given(case=operation.as_strategy(generation_mode=mode))
                def send(case):
                    response = case.call(base_url=url, headers=headers, timeout=120)
                    statuses.add(response.status_code)
                    if response.status_code >= 500:
                        server_errors.append(f"{case.method} {case.formatted_path} {case.body!r:.200}: "
                                             f"{response.status_code} {response.text[:300]}")

                send()
    assert not server_errors, "\n".join(server_errors)
    assert {200, 422} <= statuses  # it did reach the endpoints, with valid and invalid requests


def test_a_chat_reply_gives_an_answers_caution_before_it_and_a_refusals_reason_after():
    from service.http.models import AskResponse, CitationOut
    from service.http.views import chat_text

    cited = CitationOut(n=1, chunk_id="c1", source="regulations-zh/fenchen.md", title="粉尘防爆安全规定",
                        locator="第十七条", text="铝镁等金属粉尘宜采用湿式除尘方式。")
    answer = AskResponse(question="q", resolved_question="q", job="lookup", lang="zh", refused=False,
                         answer="铝镁等金属粉尘宜采用湿式除尘方式。 [1]", reason="以下条文可能没有直接回答这个问题", citations=[cited])
    text = chat_text(answer)
    assert text.startswith("(以下条文可能没有直接回答这个问题)\n\n铝镁") and "第十七条" in text
    assert not chat_text(answer.model_copy(update={"reason": ""})).startswith("(")
    refusal = answer.model_copy(update={"refused": True, "answer": "文档没有回答", "citations": []})
    assert chat_text(refusal) == "文档没有回答\n\n(以下条文可能没有直接回答这个问题)"
