"""The command line: JSON contracts, exit codes and messages."""
import json

import pytest
from typer.testing import CliRunner

from bot.cli import app

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, sample_pdfs):
    d = tmp_path_factory.mktemp("cli")
    r = runner.invoke(app, ["ingest", str(sample_pdfs["2026"]), "--policy", "northwind", "--version", "2026",
                            "--effective-date", "2026-03-01", "--data-dir", str(d)])
    assert r.exit_code == 0, r.output
    assert "indexed as northwind 2026" in r.output
    return d


def test_search_json_contract(data_dir):
    r = runner.invoke(app, ["search", "ransomware sublimit", "--policy", "northwind", "-k", "5", "--json", "--data-dir", str(data_dir)])
    assert r.exit_code == 0, r.output
    hits = json.loads(r.stdout)
    assert len(hits) == 5
    assert set(hits[0]) == {"text", "file", "policy", "version", "page_start", "page_end", "section", "clause_type", "score",
                            "dense_rank", "lexical_rank"}
    assert any("$250,000" in h["text"] and h["page_start"] == 1 for h in hits)


def test_search_runs_the_answers_search_on_lay_words(data_dir):
    """`search` is the hybrid search answers are built on: the lay words of a question ("get it back") bring in the
    wording's ("restore, recreate"), and a question naming the policy searches it without --policy."""
    q = "reception clicked a dodgy link and the file server is toast, do they pay to get it back?"
    r = runner.invoke(app, ["search", q, "--policy", "northwind", "-k", "3", "--json", "--data-dir", str(data_dir)])
    assert r.exit_code == 0, r.output
    hits = json.loads(r.stdout)
    assert hits[0]["page_start"] == 3 and hits[0]["text"].startswith("E. Data Restoration.") and hits[0]["lexical_rank"] == 1
    r = runner.invoke(app, ["search", "does northwind pay a ransom?", "-k", "3", "--json", "--data-dir", str(data_dir)])
    assert r.exit_code == 0, r.output
    hits = json.loads(r.stdout)
    assert {h["policy"] for h in hits} == {"northwind"} and any("Extortion" in h["text"] and h["page_start"] == 3 for h in hits)


def test_ask_json_contract(data_dir):
    r = runner.invoke(app, ["ask", "does our policy require MFA on email?", "--json", "--data-dir", str(data_dir)])
    assert r.exit_code == 0, r.output
    a = json.loads(r.stdout)
    assert a["answered"] is True and a["mode"] == "extractive"
    c = a["citations"][0]
    assert c["file"] == "northwind-cyber-2026.pdf" and c["page_start"] == 9 and c["clause_type"] == "requirement"
    assert {"control", "status", "clause", "message"} <= set(a["gaps"][0])


def test_bad_inputs_exit_non_zero_with_message(data_dir, tmp_path):
    bad = tmp_path / "renewal.pdf"
    bad.write_bytes(b"not a pdf at all")
    r = runner.invoke(app, ["ingest", str(bad), "--policy", "northwind", "--data-dir", str(data_dir)])
    assert r.exit_code == 1 and "is not a PDF" in r.output
    r = runner.invoke(app, ["ask", "mfa?", "--policy", "acme", "--data-dir", str(data_dir)])
    assert r.exit_code == 1 and "No policy named 'acme'" in r.output
    r = runner.invoke(app, ["ask", "mfa?", "--data-dir", str(tmp_path / "empty")])
    assert r.exit_code == 1 and "No policy is indexed" in r.output
    posture = tmp_path / "p.yaml"
    posture.write_text("controls:\n  mfa:\n    status: maybe\n")
    r = runner.invoke(app, ["ask", "mfa?", "--posture", str(posture), "--data-dir", str(data_dir)])
    assert r.exit_code == 1 and "status must be one of" in r.output


def test_gaps_csv_and_posture_init(data_dir, tmp_path):
    out = tmp_path / "gaps.csv"
    r = runner.invoke(app, ["gaps", "--format", "csv", "--out", str(out), "--data-dir", str(data_dir)])
    assert r.exit_code == 0, r.output
    import csv

    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["id", "kind", "action", "status", "control", "controls", "owner", "message", "evidence", "policy",
                             "version", "file", "page_start", "page_end", "section", "clause_type", "quote"]
    assert any(r["kind"] == "requirement" and r["control"] == "mfa" and r["page_start"] == "9" for r in rows)
    assert any(r["kind"] == "notice" and r["action"] == "notify" and "72 hours" in r["message"] for r in rows)  # checklist rows
    p = tmp_path / "posture.yaml"
    assert runner.invoke(app, ["posture", "init", str(p)]).exit_code == 0
    assert "edr:" in p.read_text() and "evidence_link:" in p.read_text() and "evidence_date:" in p.read_text()
    assert runner.invoke(app, ["posture", "init", str(p)]).exit_code == 1


def test_incident_json_cites_every_step(data_dir):
    r = runner.invoke(app, ["incident", "--format", "json", "--data-dir", str(data_dir)])
    assert r.exit_code == 0, r.output
    pb = json.loads(r.stdout)
    notify = [s for s in pb["steps"] if s["part"] == "notify" and not s["silent"]]
    assert any("72 hours" in s["text"] and s["page_start"] == 10 and "within 72 hours" in " ".join(s["quote"].split()) for s in notify)
    assert all(s["quote"] and s["page_start"] for s in pb["steps"] if not s["silent"])
    r = runner.invoke(app, ["incident", "--format", "pdf", "--data-dir", str(data_dir)])
    assert r.exit_code == 1 and "--format must be md or json" in r.output
