import os
import shutil
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SPECIMENS = SHARED / "cyber-policies"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch):
    """Tests never see a developer's tokens or settings."""
    for k in list(os.environ):
        if k.startswith(("SLACK_", "POLICYBOT_", "OPENAI_", "ANTHROPIC_")):
            monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def specimen(name: str) -> Path:
    p = SPECIMENS / name
    if not p.exists():
        pytest.skip(f"{p} not available (../shared/corpus is read beside the checkout)")
    return p


@pytest.fixture(scope="session")
def sample_pdfs(tmp_path_factory):
    from bot.samples import sample_pdfs as build

    return build(tmp_path_factory.mktemp("samples"))


@pytest.fixture(scope="session")
def minilm():
    from vectorstore.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture
def hashing():
    from vectorstore.embedder import HashingEmbedder

    return HashingEmbedder()


@pytest.fixture
def index(tmp_path, hashing):
    from vectorstore.index import PolicyIndex

    return PolicyIndex(tmp_path / "data", hashing)


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory, sample_pdfs, minilm):
    """The sample policy (2025 then 2026 edition) and the guidance, indexed with the real MiniLM model."""
    from vectorstore.index import PolicyIndex

    ix = PolicyIndex(tmp_path_factory.mktemp("sample-index"), minilm)
    ix.ingest_file(sample_pdfs["2025"], policy="northwind", version="2025")
    ix.ingest_file(sample_pdfs["2026"], policy="northwind", version="2026")
    ix.ingest_guidance()
    return ix


@pytest.fixture
def fake_slack():
    from tests.fake_slack import FakeSlack

    fs = FakeSlack()
    yield fs
    fs.close()
