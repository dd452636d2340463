"""Two processes on one data dir: a reader or a second writer must never lose or break the other's work."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vectorstore.embedder import HashingEmbedder
from vectorstore.index import PolicyIndex

ROOT = Path(__file__).resolve().parents[1]


def worker(*args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), ANONYMIZED_TELEMETRY="False", TOKENIZERS_PARALLELISM="false")
    return subprocess.Popen([sys.executable, "-m", "tests.chaos_worker", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"worker exited early: {proc.communicate()}")
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.05)


def finish(proc: subprocess.Popen, timeout: float = 120) -> dict:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"worker still running after {timeout:.0f} s; its stacks:\n{err[-6000:]}") from None
    assert proc.returncode == 0, f"worker exited with {proc.returncode}:\n{err[-6000:]}"
    return json.loads(out.strip().splitlines()[-1])


def test_opening_the_index_mid_ingest_keeps_the_other_process_pending_version(tmp_path, sample_pdfs):
    data = tmp_path / "d"
    PolicyIndex(data, HashingEmbedder()).ingest_file(sample_pdfs["2025"], policy="cfc", version="2025")
    sig = tmp_path / "sig"
    sig.mkdir()
    proc = worker("ingest", str(data), str(sample_pdfs["2026"]), "cfc", "2026", "--pause-after", "20", "--signal", str(sig))
    try:
        wait_for(sig / "paused", proc)
        # What `policybot docs` does: open the index and list documents.
        other = PolicyIndex(data, HashingEmbedder())
        assert [d.status for d in other.registry.pending()] == ["pending"]
        assert [(d.version, d.status) for d in other.documents()] == [("2025", "active")]
        (sig / "go").touch()
        report = finish(proc)
    finally:
        proc.kill()
    assert report["status"] == "indexed" and report["version"] == "2026"
    after = PolicyIndex(data, HashingEmbedder())
    assert {d.version: d.status for d in after.documents()} == {"2025": "superseded", "2026": "active"}
    hits = after.search("Cyber Extortion and Ransomware Sublimit in the aggregate including any ransom payment", k=3, policy="cfc", clause_types=["limit"])
    assert hits and all(h.chunk.version == "2026" for h in hits) and "$250,000" in hits[0].chunk.text
    # no orphan vectors: Chroma holds exactly the registry's chunks
    assert after.collection.count() == sum(d.chunks for d in after.documents())


def test_a_running_reader_sees_another_process_ingest_without_restart(tmp_path, sample_pdfs):
    data = tmp_path / "d"
    reader = PolicyIndex(data, HashingEmbedder())
    reader.ingest_file(sample_pdfs["2025"], policy="nw", version="2025")
    q = "Cyber Extortion and Ransomware Sublimit in the aggregate including any ransom payment"
    assert reader.search(q, k=1, policy="nw")[0].chunk.version == "2025"
    finish(worker("ingest", str(data), str(sample_pdfs["2026"]), "nw", "2026"))
    hits = reader.search(q, k=3, policy="nw", clause_types=["limit"])
    assert hits and all(h.chunk.version == "2026" for h in hits) and "$250,000" in hits[0].chunk.text
    assert [d.version for d in reader.versions("nw")] == ["2025", "2026"]


def test_reader_process_searching_in_a_loop_while_another_ingests(tmp_path, sample_pdfs):
    data = tmp_path / "d"
    writer = PolicyIndex(data, HashingEmbedder())
    writer.ingest_file(sample_pdfs["2025"], policy="nw", version="2025")
    out = tmp_path / "reader.json"
    reader = worker("search", str(data), "ransomware sublimit", "nw", "8", str(out))
    time.sleep(2.5)
    writer.ingest_file(sample_pdfs["2026"], policy="nw", version="2026")
    reader.communicate(timeout=60)
    res = json.loads(out.read_text())
    assert res["errors"] == [] and res["searches"] > 10
    assert "2026" in res["versions"]


def test_two_ingests_at_once_on_one_data_dir_both_land(tmp_path, sample_pdfs):
    data = tmp_path / "d"
    PolicyIndex(data, HashingEmbedder()).ingest_guidance()
    a = worker("ingest", str(data), str(sample_pdfs["2025"]), "alpha", "2025", "--slow", "0.05")
    b = worker("ingest", str(data), str(sample_pdfs["2026"]), "beta", "2026", "--slow", "0.05")
    assert finish(a)["status"] == "indexed" and finish(b)["status"] == "indexed"
    ix = PolicyIndex(data, HashingEmbedder())
    active = {d.policy: d for d in ix.documents(include_superseded=False)}
    assert {"alpha", "beta"} <= set(active)
    assert ix.collection.count() == sum(d.chunks for d in ix.documents())
    assert ix.search("ransomware sublimit", k=1, policy="beta")[0].chunk.version == "2026"


def test_a_writer_that_cannot_get_the_lock_says_who_holds_it(tmp_path, sample_pdfs):
    from vectorstore.index import IndexError_

    data = tmp_path / "d"
    sig = tmp_path / "sig"
    sig.mkdir()
    PolicyIndex(data, HashingEmbedder()).ingest_guidance()
    proc = worker("ingest", str(data), str(sample_pdfs["2025"]), "nw", "2025", "--pause-after", "1", "--signal", str(sig))
    try:
        wait_for(sig / "paused", proc)
        impatient = PolicyIndex(data, HashingEmbedder(), writer_wait=0.5)
        with pytest.raises(IndexError_, match="another process has been writing to the index"):
            impatient.ingest_file(sample_pdfs["2026"], policy="other", version="2026")
        assert [d.policy for d in impatient.documents() if d.kind == "policy"] == []
        (sig / "go").touch()
        assert finish(proc)["status"] == "indexed"
    finally:
        proc.kill()
    assert impatient.ingest_file(sample_pdfs["2026"], policy="other", version="2026").status == "indexed"
