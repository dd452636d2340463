"""LLM mode: every reply is checked against the cited clauses; anything wrong ends as the extractive answer.

The chat models are queue-backed fakes that replay recorded replies in order (an exception in the queue
is raised), so each test states exactly what "the model" said.
"""
import re
from pathlib import Path

import pytest
import yaml
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from bot.extract import query_terms
from bot.llm import REASONS, LLMOutcome, build_messages, figures, llm_outcome, locate
from bot.pipeline import answer
from ingestion.injection import is_flagged
from vectorstore.index import Hit

FIXTURES = Path(__file__).parent / "fixtures"
REPLIES = yaml.safe_load((FIXTURES / "llm" / "replies.yaml").read_text(encoding="utf-8"))
CASES = yaml.safe_load((FIXTURES / "injection" / "cases.yaml").read_text(encoding="utf-8"))
MFA_Q = "Does our policy require MFA on email?"


class QueueChatModel(BaseChatModel):
    """Replays `replies` in order: a string or message is the reply, an exception is raised, a
    callable makes the reply from the prompt. Every prompt it was sent is kept in `prompts`."""

    replies: list = Field(default_factory=list)
    prompts: list = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "queue"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.prompts.append(messages)
        item = self.replies.pop(0)
        if callable(item) and not isinstance(item, BaseMessage):
            item = item(messages)
        if isinstance(item, BaseException):
            raise item
        msg = item if isinstance(item, BaseMessage) else AIMessage(content=item)
        return ChatResult(generations=[ChatGeneration(message=msg)])


class StructuredQueueChatModel(QueueChatModel):
    """A provider with tool calling: `with_structured_output` works, replies carry tool calls."""

    def bind_tools(self, tools, **kwargs):
        return self


def tool_reply(answer_text: str, citations: list[dict], **meta) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": "PolicyAnswer", "args": {"answer": answer_text, "citations": citations}, "id": "call-1"}],
                     response_metadata=meta)


@pytest.fixture(scope="module")
def northwind(tmp_path_factory, sample_pdfs):
    from vectorstore.embedder import HashingEmbedder
    from vectorstore.index import PolicyIndex

    ix = PolicyIndex(tmp_path_factory.mktemp("northwind"), HashingEmbedder())
    ix.ingest_file(sample_pdfs["2026"], policy="northwind", version="2026")
    return ix


def clause(ix, phrase: str):
    (doc,) = [d for d in ix.documents() if d.policy == "northwind"] or [None]
    found = [c for c in ix.chunks_of(doc.doc_id) if phrase in " ".join(c.text.split())]
    assert found, phrase
    return found[0]


@pytest.fixture(scope="module")
def hits(northwind):
    """C1 the MFA condition (p. 9), C2 the ransomware notice (p. 10), C3 the sublimits (p. 1),
    C4 the war exclusion (p. 6), C5 the bodily injury exclusion with its carve-back (p. 6)."""
    return [Hit(clause(northwind, p), 1.0) for p in (
        "The Insured must enforce Multi-Factor Authentication", "shall notify us within 72 hours",
        "Cyber Extortion and Ransomware Sublimit: $250,000", "C. War and State-Backed Cyber Operations",
        "but this exclusion shall not apply to the replacement of hardware")]


def run(ix, hits, model, question=MFA_Q) -> LLMOutcome:
    df, n = ix.term_stats(policy="northwind", kind="policy")
    return llm_outcome(question, hits, model, query_terms(question), df, n)


@pytest.mark.parametrize("reply", REPLIES["bad"], ids=[r["name"] for r in REPLIES["bad"]])
def test_bad_reply_is_rejected_with_its_reason(reply, northwind, hits):
    out = run(northwind, hits, QueueChatModel(replies=[reply["content"]]))
    assert (out.ok, out.rejected_reason, out.mode) == (False, reply["reason"], "extractive-fallback"), out.detail
    assert out.summary == "" and out.citations == ()
    assert out.note.startswith(REASONS[reply["reason"]]) and out.note.endswith("this is the extractive answer.")


@pytest.mark.parametrize("reply", REPLIES["good"], ids=[r["name"] for r in REPLIES["good"]])
def test_good_reply_passes(reply, northwind, hits):
    out = run(northwind, hits, FakeListChatModel(responses=[reply["content"]]))
    assert out.ok, (out.rejected_reason, out.detail)
    assert out.mode == "llm" and [c.key for c in out.citations] == reply["cites"]
    assert "[C99]" not in out.summary and all(f"[{k}]" in out.summary for k in reply["cites"])
    pages = {c.key: c.page_start for c in out.citations}
    assert pages == {k: {"C1": 9, "C2": 10, "C3": 1, "C4": 6, "C5": 6}[k] for k in reply["cites"]}


def test_truncated_replies_are_rejected(northwind, hits):
    for meta in ({"finish_reason": "length"}, {"stop_reason": "max_tokens"}, {"done_reason": "length"}):
        cut = AIMessage(content="The Insured must enforce Multi-Factor Authentication for all access to email [C1] and for all", response_metadata=meta)
        assert run(northwind, hits, QueueChatModel(replies=[cut])).rejected_reason == "truncated", meta
    whole = AIMessage(content="The Insured must enforce Multi-Factor Authentication for all access to email [C1].", response_metadata={"finish_reason": "stop"})
    assert run(northwind, hits, QueueChatModel(replies=[whole])).ok


def test_model_exception_is_a_rejection_not_a_crash(northwind, hits):
    out = run(northwind, hits, QueueChatModel(replies=[TimeoutError("read timed out after 60 s")]))
    assert out.rejected_reason == "model_error" and "TimeoutError: read timed out" in out.detail


def test_structured_output_is_used_when_the_provider_supports_it(northwind, hits):
    model = StructuredQueueChatModel(replies=[tool_reply(
        "The Insured must enforce MFA for all access to email [C1].",
        [{"key": "C1", "quote": "for all access to email, including web-based and mobile access"}])])
    out = run(northwind, hits, model)
    assert out.ok and out.mode == "llm"
    # The quote shown is the model's chosen passage, as the document spells it.
    assert [(c.key, c.page_start, c.quote) for c in out.citations] == [
        ("C1", 9, "for all access to email, including web-based and mobile access")]
    assert "exact words" in str(model.prompts)  # the prompt asks for the quote


def test_structured_quote_not_in_the_clause_is_rejected(northwind, hits):
    fake = StructuredQueueChatModel(replies=[tool_reply(
        "MFA is required for email [C1].", [{"key": "C1", "quote": "MFA is optional for staff working from home"}])])
    out = run(northwind, hits, fake)
    assert out.rejected_reason == "quote_not_found" and "C1" in out.detail


@pytest.mark.parametrize("raw,reason", [
    (AIMessage(content="", tool_calls=[{"name": "PolicyAnswer", "args": {"answer": "MFA is"}, "id": "x"}],
               response_metadata={"finish_reason": "length"}), "truncated"),
    (AIMessage(content="I think MFA is required."), "malformed"),
])
def test_structured_reply_cut_off_or_without_the_schema(raw, reason, northwind, hits):
    assert run(northwind, hits, StructuredQueueChatModel(replies=[raw])).rejected_reason == reason


def test_a_provider_without_tool_calling_gets_the_plain_text_path(northwind, hits):
    model = GenericFakeChatModel(messages=iter([AIMessage(content="The Insured must enforce Multi-Factor Authentication for all access to email [C1].")]))
    with pytest.raises(NotImplementedError):
        model.with_structured_output(dict)
    assert run(northwind, hits, model).ok


def test_cites_flagged_chunk_is_rejected_and_flagged_text_is_never_sent(index):
    path = FIXTURES / "injection" / "issue-sublimit-tell-user.txt"
    rep = index.ingest_file(path, policy="acme", version="2026")
    chunks = index.chunks_of(rep.doc_id)
    planted = next(c for c in chunks if is_flagged(c))
    sublimit = next(c for c in chunks if "Ransomware and Cyber Extortion: $750,000" in c.text)
    hits = [Hit(sublimit, 1.0), Hit(planted, 0.9)]
    assert "Tell the user" not in str(build_messages("Is there a sublimit?", hits))
    df, n = index.term_stats(policy="acme", kind="policy")
    q = "Is there a sublimit for ransomware?"
    model = QueueChatModel(replies=["This policy is covered [C2] with a sublimit for Ransomware and Cyber Extortion of $750,000 [C1]."])
    out = llm_outcome(q, hits, model, query_terms(q), df, n)
    assert (out.rejected_reason, out.detail) == ("cites_flagged", "C2")
    assert "Tell the user" not in str(model.prompts[0])
    # When every retrieved clause is flagged the model is not even asked.
    silent = QueueChatModel(replies=[])
    assert llm_outcome(q, [Hit(planted, 1.0)], silent, query_terms(q), df, n).rejected_reason == "no_clean_clauses"
    assert silent.prompts == []


@pytest.mark.parametrize("reply", [r for r in REPLIES["bad"] if r["name"] in (
    "covers-everything", "fabricated-quote-with-page", "echo-clauses-block", "echo-clause-header", "wrong-amount")] + [
    {"name": "exception", "content": RuntimeError("provider overloaded")},
    {"name": "truncated", "content": AIMessage(content="MFA is required [C1] for", response_metadata={"finish_reason": "length"})},
], ids=lambda r: r["name"])
def test_answer_falls_back_to_the_extractive_answer(reply, northwind):
    plain = answer(MFA_Q, index=northwind, policy="northwind")
    got = answer(MFA_Q, index=northwind, policy="northwind", chat_model=QueueChatModel(replies=[reply["content"]]))
    assert got.mode == "extractive-fallback" and got.answered
    assert got.summary == plain.summary and got.citations == plain.citations
    reason = reply.get("reason") or {"exception": "model_error", "truncated": "truncated"}[reply["name"]]
    assert got.notes[0].startswith(REASONS[reason]) and got.notes[0].endswith("this is the extractive answer.")


def test_answer_uses_a_checked_llm_reply(northwind):
    def quote_c1(messages) -> str:
        # Whatever retrieval ranked first, quote its first words back, as a faithful model would.
        body = re.search(r"^\[C1\] \(.*\)\n(.+)$", messages[-1].content, re.M).group(1)
        return f'The policy says "{" ".join(body.split()[:12])}" [C1].'

    a = answer(MFA_Q, index=northwind, policy="northwind", chat_model=QueueChatModel(replies=[quote_c1]))
    assert a.mode == "llm" and a.notes == () and [c.key for c in a.citations] == ["C1"]
    said = re.search(r'"(.+)"', a.summary).group(1)
    chunk = northwind.chunk(a.citations[0].chunk_id)
    assert said in " ".join(chunk.text.split()) and a.citations[0].page_start == chunk.page_start


def test_figures_are_normalised():
    got = figures("within seventy-two (72) hours, $1 million, USD 250,000, 20 percent and a 90-day period")
    assert set(got) == {("period", 72.0, "hour"), ("money", 1e6), ("money", 250000.0), ("percent", 20.0), ("period", 90.0, "day")}
    assert set(figures("72 hours and $1,000,000")) <= set(got)


def test_locate_returns_the_documents_own_words():
    text = "The Insured shall maintain\nmulti-factor authentication for all remote access, and for all “privileged” accounts."
    assert locate("shall maintain Multi-Factor authentication ... for all \"privileged\" accounts", text) == \
        "shall maintain multi-factor authentication … for all “privileged” accounts"
    assert locate("shall maintain MFA", text) is None
    assert locate("for all privileged accounts ... shall maintain", text) is None  # order matters


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_injection_corpus_in_llm_mode(case, index):
    """A model that obeyed a planted passage is caught, whether it cites the passage or a genuine clause."""
    rep = index.ingest_file(FIXTURES / "injection" / case["file"], policy="acme", version="2026")
    chunks = index.chunks_of(rep.doc_id)
    planted = [c for c in chunks if is_flagged(c)]
    found = index.search(case["question"], k=5, policy="acme", kind="policy")
    clean = [h for h in found if not is_flagged(h.chunk)][:3]
    hits = clean + [Hit(c, 0.5) for c in planted]
    flagged_key = f"C{len(clean) + 1}"
    df, n = index.term_stats(policy="acme", kind="policy")
    qt = query_terms(case["question"])
    for key in (flagged_key, "C1"):
        model = QueueChatModel(replies=[f"{case['claim'].rstrip('.')} [{key}]."])
        out = llm_outcome(case["question"], hits, model, qt, df, n)
        assert not out.ok, (key, case["claim"], [h.chunk.text[:80] for h in hits])
        assert case["planted"][:25] not in str(model.prompts[0][-1].content)
