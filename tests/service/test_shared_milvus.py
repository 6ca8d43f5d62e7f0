"""Two page processes against one `milvus-lite server` on 127.0.0.1, each with
its own index folder (nothing shared on disk): the second answers as the
first, and a document uploaded or removed through the first is found, or no
longer found, by the second while it runs (index/shared.py)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from support import PROJECT_ROOT, FakeEmbedder, make_pdf, make_small_corpus, start_milvus_server

from core.settings import reload as reload_settings
from service import SafeCite

pytest.importorskip("milvus_lite")

PAGE = r'''
import json, sys
sys.path.insert(0, sys.argv[1])
from support import FakeEmbedder
from service import SafeCite

fake = FakeEmbedder()
page = SafeCite(sys.argv[2], uploads=sys.argv[3], embedders={fake.name: fake})
print("READY", flush=True)
for line in sys.stdin:
    command = json.loads(line)
    if command["do"] == "ask":
        answer = page.ask(command["question"], command["job"], command["filters"]).answer
        out = [answer.grounded, answer.answer, [[c.chunk_id, c.locator] for c in answer.citations]]
    else:
        out = [h.chunk.title for h in page.search(command["question"], 5, mode="dense")]
    print(json.dumps(out, ensure_ascii=False), flush=True)
'''
QUESTIONS = [("Where shall explosion vents discharge?", "auto", None),
             ("泄爆口朝向", "auto", None),
             ("collector not grounded", "similar", {"city": ["Riverton"]})]
LADLE = "trunnions tested once a year"


@pytest.fixture
def server(tmp_path, monkeypatch):
    process, uri = start_milvus_server(tmp_path / "milvus-data")
    monkeypatch.setenv("SAFECITE_STORE", f"milvus:{uri}")
    reload_settings()
    yield uri
    from index.stores import backend

    backend().close()
    process.terminate()
    process.wait(timeout=30)


def test_two_page_processes_serve_one_index_through_milvus(server, tmp_path):
    corpus = tmp_path / "corpus"
    make_small_corpus(corpus)
    fake = FakeEmbedder()
    first = SafeCite(tmp_path / "a" / "index", uploads=tmp_path / "a" / "uploads", embedders={fake.name: fake})
    first.ingest([corpus], embedder=fake)
    script = tmp_path / "page.py"
    script.write_text(PAGE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "SAFECITE_STORE": f"milvus:{server}"}
    second = subprocess.Popen([sys.executable, str(script), str(PROJECT_ROOT / "tests"), str(tmp_path / "b" / "index"),
                               str(tmp_path / "b" / "uploads")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, env=env)

    def ask_second(do: str, question: str, job: str = "auto", filters=None):
        second.stdin.write(json.dumps({"do": do, "question": question, "job": job, "filters": filters}) + "\n")
        second.stdin.flush()
        return json.loads(second.stdout.readline())

    def until(check, seconds: float = 20.0):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if check():
                return True
            time.sleep(0.5)
        return False

    try:
        assert second.stdout.readline().strip() == "READY"
        for question, job, filters in QUESTIONS:
            answer = first.ask(question, job, filters).answer
            mine = [answer.grounded, answer.answer, [[c.chunk_id, c.locator] for c in answer.citations]]
            assert answer.citations and ask_second("ask", question, job, filters) == mine
        assert "Ladle Rules" not in ask_second("search", LADLE)
        pdf = make_pdf(tmp_path / "ladle.pdf", ["Ladle Rules\nArticle 1 These rules cover ladles.",
                                                "Article 2 Ladle trunnions shall be tested once a year."],
                       title="Ladle Rules")
        assert first.add_files([("ladle.pdf", pdf.read_bytes())]).added == ["ladle.pdf"]
        assert until(lambda: ask_second("search", LADLE)[0] == "Ladle Rules")
        first.remove(next(d for d in first.documents() if d.title == "Ladle Rules"))
        assert until(lambda: "Ladle Rules" not in ask_second("search", LADLE))
    finally:
        second.stdin.close()
        second.wait(timeout=60)
    # The second folder holds what it fetched: its own catalog and BM25, no copy of the first's files.
    assert (tmp_path / "b" / "index" / "CURRENT").read_text().strip() == first.index.generation.name
