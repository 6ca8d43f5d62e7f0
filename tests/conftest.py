"""Fixtures shared by the tests in every folder. The helpers they use (and
that test files import) are in support.py, beside this file; this file puts
tests/ on sys.path so `from support import ...` works from any subfolder and
when one test file is run alone."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from support import PROJECT_ROOT, FakeEmbedder  # noqa: E402  (also puts the project on sys.path)

from core.settings import reload as reload_settings  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_settings():
    """Each test starts and ends with the settings of its environment: a test
    that changes a SAFECITE_* variable calls reload_settings() after it."""
    reload_settings()
    yield
    reload_settings()


@pytest.fixture
def no_proxy(monkeypatch):
    """Traffic to the fake model server on 127.0.0.1 goes there directly, never
    through a proxy from the environment."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    reload_settings()


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "corpus: ingests a whole corpus folder (the project's corpus/ or ../shared/corpus); run with -m corpus"
    )


@pytest.fixture(scope="session")
def real_corpus_index(tmp_path_factory):
    """One index of a copy of PROJECT_ROOT/corpus with the real bundled model,
    built at most once per session for every module that asks for it (the
    build is the expensive part: about a minute on two cores). Read-only:
    a test that changes an index copies the folder first.

    Yields (folder, index); the index is open with the real embedder."""
    import shutil

    from index.build import ingest
    from index.embedders import DEFAULT_MODEL, make_embedder
    from index.search import Index

    base = tmp_path_factory.mktemp("real-corpus")
    corpus = base / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus)
    embedder = make_embedder(DEFAULT_MODEL)
    ingest([corpus], base / "index", embedder=embedder)
    index = Index.open(base / "index", embedder)
    yield base / "index", index
    index.close()


@pytest.fixture(scope="session")
def served_corpus_index(tmp_path_factory):
    """One index of a copy of PROJECT_ROOT/corpus with the default embedder
    plan, the one `make run` builds and serves (MiniLM over English chunks, e5
    over Chinese ones, USE-m3 over all): the index the browser tests serve, so
    that they see what a user of the page sees. Built at most once per session;
    read-only like real_corpus_index.

    Yields (folder, index); the index is open as the page opens it."""
    import shutil

    from index.build import ingest
    from index.search import Index

    base = tmp_path_factory.mktemp("served-corpus")
    corpus = base / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus)
    ingest([corpus], base / "index")
    index = Index.open(base / "index", serving=True)
    yield base / "index", index
    index.close()

