"""One ingest at a time per index shared through Milvus (index/lease.py):
an ingest from another folder or process fails while a lease is held and
renewed, succeeds once it is released or once a killed holder's lease lapses,
two takers at the same moment never both win, and an ingest that lost its
lease publishes nothing. Processes on a `milvus-lite server`; Milvus Lite
embedded (one process at a time) in-process. Leases of a few seconds."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest
from support import PROJECT_ROOT, FakeEmbedder, make_small_corpus, start_milvus_server

from core.errors import IngestLockedError
from index import lease, persist, shared
from index.build import ingest
from index.stores import backend

pytest.importorskip("milvus_lite")

HOLDER = r'''
import sys, time
from index import lease
with lease.hold(sys.argv[1], sys.argv[2], seconds=float(sys.argv[3])):
    print("HELD", flush=True)
    time.sleep(120)
'''

TAKER = r'''
import sys, time
from index import lease
from core.errors import IngestLockedError
client, _ = lease._client(sys.argv[1])
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # both takers start at the same moment
try:
    lease.take(client, "index", sys.argv[3], seconds=30)
    print("WON", flush=True)
except IngestLockedError:
    print("LOST", flush=True)
'''


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process, uri = start_milvus_server(tmp_path_factory.mktemp("milvus-server"))
    yield f"milvus:{uri}"
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lease-corpus")
    make_small_corpus(folder)
    return folder


def _python(script: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, *args], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_a_killed_holder_blocks_until_its_lease_lapses(server, corpus, tmp_path):
    holder = _python(HOLDER, str(tmp_path / "a" / "index"), server, "2")
    try:
        assert holder.stdout.readline().strip() == "HELD", holder.stderr.read()
        with pytest.raises(IngestLockedError, match="another ingest is running on the index index"):
            ingest([corpus], tmp_path / "b" / "index", embedder=FakeEmbedder(), store=server)
        time.sleep(2.5)  # past the lease's length: the holder renews it
        with pytest.raises(IngestLockedError, match="another ingest is running"):
            ingest([corpus], tmp_path / "b" / "index", embedder=FakeEmbedder(), store=server)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert not persist.generations(tmp_path / "b" / "index")
    time.sleep(2.5)  # the killed holder's lease lapses
    report = ingest([corpus], tmp_path / "b" / "index", embedder=FakeEmbedder(), store=server)
    assert report.generation and shared.shared_current(tmp_path / "b" / "index", server)[0] == report.generation


def test_two_takers_at_the_same_moment_never_both_win(server):
    client, _ = lease._client(server)
    client.delete(lease.LEASES, filter='name == "index"')
    start = str(time.time() + 4.0)  # after both processes have started
    takers = [_python(TAKER, server, start, f"taker-{n}") for n in range(2)]
    said = sorted(t.communicate(timeout=60)[0].strip() for t in takers)
    assert said == ["LOST", "WON"], [t.stderr for t in takers]
    client.delete(lease.LEASES, filter='name == "index"')


def test_an_ingest_waits_for_a_lease_held_elsewhere_then_releases_its_own(corpus, tmp_path):
    spec = f"milvus:{tmp_path / 'milvus.db'}"
    client, _ = lease._client(spec)
    try:
        lease.take(client, "index", "another-server:1:x", seconds=30)
        with pytest.raises(IngestLockedError, match=r"another ingest is running on the index index .*another-server"):
            ingest([corpus], tmp_path / "here" / "index", embedder=FakeEmbedder(), store=spec)
        client.delete(lease.LEASES, filter='name == "index"')  # its ingest ended
        report = ingest([corpus], tmp_path / "here" / "index", embedder=FakeEmbedder(), store=spec)
        assert report.generation
        assert lease._read(client, "index") is None  # released at the end
        lease.take(client, "index", "another-server:2:y", seconds=30)  # so the next taker finds it free
    finally:
        backend(spec).close()


def test_an_ingest_that_lost_its_lease_publishes_nothing(corpus, tmp_path, monkeypatch):
    spec = f"milvus:{tmp_path / 'milvus.db'}"
    folder = tmp_path / "index"
    client, _ = lease._client(spec)
    original = shared.publish

    def stolen_then_publish(*args, **kwargs):
        lease._write(client, "index", "another-server:1:x", 30)  # taken while this ingest stalled
        return original(*args, **kwargs)

    monkeypatch.setattr(shared, "publish", stolen_then_publish)
    try:
        with pytest.raises(IngestLockedError, match="lapsed"):
            ingest([corpus], folder, embedder=FakeEmbedder(), store=spec)
        assert shared.shared_current(folder, spec) is None
        assert lease._read(client, "index")["holder"] == "another-server:1:x"  # not released by the loser
    finally:
        backend(spec).close()
