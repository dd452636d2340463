"""Block Kit rendering stays within Slack's limits and says visibly what it cut."""
from bot.slack.blocks import MAX_TEXT, answer_blocks, text_blocks
from bot.types import Answer, Citation, Gap


def test_long_answers_are_trimmed_and_capped():
    cites = tuple(Citation(f"C{i}", f"c{i}", "p", "v1", "f.pdf", i, i, "S", "requirement", "x" * 5000) for i in range(30))
    gaps = tuple(Gap("requirement", "mfa", "missing", "p v1", "m" * 4000) for _ in range(30))
    blocks = answer_blocks(Answer("q", True, "Yes", cites, gaps), answer_id=7)
    assert len(blocks) == 50
    assert blocks[-1]["type"] == "actions" and blocks[-1]["elements"][0]["value"] == "7"
    assert "more blocks not shown" in blocks[-2]["elements"][0]["text"]
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(t) <= MAX_TEXT for t in texts) and any(t.endswith("…") for t in texts)


def test_reports_split_on_lines():
    md = "# Title\n" + "\n".join(f"- line {i} " + "y" * 100 for i in range(100))
    blocks = text_blocks(md)
    assert len(blocks) > 1 and blocks[0]["text"]["text"].startswith("*Title*")
    assert all(len(b["text"]["text"]) <= MAX_TEXT for b in blocks)
