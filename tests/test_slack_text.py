"""Slack text normalisation (issue 7, item 6) and escaping (issue 9, item 10)."""
import pytest

from bot.slack.text import escape, normalise


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("<@U123> does our policy require MFA?", "does our policy require MFA?"),
        ("<@U123|policybot> what is the retention?", "what is the retention?"),
        ("<!channel> is ransomware covered?", "is ransomware covered?"),
        ("<!here|here> <!everyone> is ransomware covered?", "is ransomware covered?"),
        ("<!subteam^S0123|@security> what is the waiting period?", "what is the waiting period?"),
        ("as asked in <#C123|general>: is war excluded?", "as asked in #general: is war excluded?"),
        ("as asked in <#C123>: is war excluded?", "as asked in : is war excluded?"),
        ("are we covered for <https://x.example/a|ransomware>?", "are we covered for ransomware?"),
        ("see <https://x.example/a?b=1&amp;c=2> please", "see https://x.example/a?b=1&c=2 please"),
        ("mail <mailto:a@b.example|a@b.example> now", "mail a@b.example now"),
        ("fines &amp; penalties &lt;over&gt; $1m", "fines & penalties <over> $1m"),
        ("&lt;!channel&gt; typed literally", "<!channel> typed literally"),
        ("since <!date^1392734382^{date}|Feb 18, 2014> what changed?", "since Feb 18, 2014 what changed?"),
        ("  <@U1>   <@U2>  ", ""),
        (None, ""),
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_normalise_keeps_lines():
    assert normalise("<@U1> first line\n<!here>  second   line") == "first line\nsecond line"


@pytest.mark.parametrize("raw", ["<!channel>", "<!here>", "<@U999>", "<https://evil.example|click>", "<!subteam^S1>"])
def test_escape_makes_markup_inert(raw):
    out = escape(f"The Insured shall {raw} comply & report")
    assert "<" not in out and ">" not in out
    assert out.endswith("comply &amp; report")
    # what Slack shows after decoding is the text as written
    assert normalise(out) == f"The Insured shall {raw} comply & report"
