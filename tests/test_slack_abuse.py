"""The Slack abuse cases of issue 9 (items 7-10, 12-14) and Slack text normalisation (issue 7, item 6), against
the real app, the local fake Slack Web API and, where the HTTP status matters, the uvicorn stack."""
import json
import logging
import time

import pytest

from bot.slack.app import download
from bot.slack.state import SlackState
from ingestion.errors import IngestError
from tests.fake_slack import FakeSlack
from tests.fake_slack.slack_requests import FORM, SECRET, action_body, all_text, command_body, event_body, mention, signed, slack_headers
from tests.test_slack import make_app, ok  # noqa: F401 - the fixture and helper are shared

pytestmark = pytest.mark.slow
SUBCOMMANDS = ["", "help", "status", "docs", "bogus", "ask", "ask what is the retention per claim?", "gaps", "diff"]
MARKUP = ("<!channel>", "<!here>", "<@U999>", "<https://evil.example")


def wait_until(predicate, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


@pytest.fixture
def server(make_app):
    from bot.slack.server import http_asgi
    from tests.http_server import ServerThread

    servers = []

    def start(**kw):
        srv = ServerThread(http_asgi(make_app(**kw), signing_secret=SECRET))
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.stop()


# -- item 12: every /policy subcommand answers 200, over HTTP and Socket Mode ----------------------------

def test_every_policy_subcommand_returns_200_over_http(server, fake_slack):
    srv = server()
    for n, text in enumerate(SUBCOMMANDS, 1):
        body = command_body(text)
        status, reply = srv.post(body, slack_headers(body, content_type=FORM))
        assert status == 200, (text, status, reply)
        # each one is answered: an ephemeral reply, or the answer/report posted in the DM
        wait_until(lambda: len(fake_slack.requests("chat.postEphemeral")) + len(fake_slack.requests("chat.postMessage")) >= n)
    ephemeral = [e["text"] for e in fake_slack.requests("chat.postEphemeral")]
    assert any("Unknown subcommand `bogus`" in t for t in ephemeral)
    assert any("Usage: `/policy ask" in t for t in ephemeral)
    assert sum(t.startswith("*PolicyBot* answers") and "`/policy ask &lt;question&gt;`" in t for t in ephemeral) == 2  # "" and "help"
    assert any("PolicyBot is up" in t for t in ephemeral)


def test_every_policy_subcommand_acked_in_socket_mode(make_app, fake_slack):
    from slack_bolt.request import BoltRequest
    from urllib.parse import parse_qsl

    app = make_app()
    for text in SUBCOMMANDS:
        resp = app.dispatch(BoltRequest(body=dict(parse_qsl(command_body(text))), mode="socket_mode"))
        assert resp.status == 200, (text, resp.status, resp.body)
    wait_until(lambda: len(fake_slack.requests("chat.postEphemeral")) + len(fake_slack.requests("chat.postMessage")) >= len(SUBCOMMANDS))


# -- item 13: events we may receive get 200; malformed signed bodies 400/401 with one log line -----------

def test_unhandled_events_and_interactions_get_200(server, fake_slack):
    srv = server()
    bodies = [
        event_body({"type": "reaction_added", "user": "U1", "reaction": "eyes", "item": {"type": "message", "channel": "C1", "ts": "1.1"}}, "Ex1"),
        event_body({"type": "file_shared", "file_id": "F1", "user_id": "U1", "channel_id": "C1"}, "Ex2"),
        event_body({"type": "made_up_event_type", "user": "U1"}, "Ex3"),
        event_body({"type": "message", "subtype": "channel_topic", "user": "U1", "text": "x", "ts": "2.2", "channel": "C1", "channel_type": "channel"}, "Ex4"),
        json.dumps({"token": "x", "type": "app_rate_limited", "team_id": "T1", "minute_rate_limited": 1518467820, "api_app_id": "A1"}),
    ]
    for body in bodies:
        assert srv.post(body, slack_headers(body))[0] == 200, body
    forms = [
        action_body({"action_id": "some_future_button", "value": "1"}),
        "payload=" + json.dumps({"type": "view_submission", "user": {"id": "U1"}, "team": {"id": "T1"}, "view": {"id": "V1", "type": "modal", "callback_id": "x"}}),
        "payload=" + json.dumps({"type": "shortcut", "callback_id": "cb", "user": {"id": "U1"}, "team": {"id": "T1"}, "trigger_id": "t"}),
        "command=%2Fother&text=hi&channel_id=C1&user_id=U1&team_id=T1",
    ]
    for body in forms:
        assert srv.post(body, slack_headers(body, content_type=FORM))[0] == 200, body
    time.sleep(0.3)
    assert not fake_slack.requests("chat.postMessage") and not fake_slack.requests("chat.postEphemeral")


@pytest.mark.parametrize(
    "body, content_type, header_kw, status",
    [
        ("not json", "application/json", {}, 400),
        ("[]", "application/json", {}, 400),
        (json.dumps({"type": "event_callback", "event": "not an object"}), "application/json", {}, 400),
        # parsable but missing what a mention must carry: acknowledged (a retry would not help), logged, dropped
        (json.dumps({"type": "event_callback", "event_id": "Em1", "team_id": "T1", "event": {"type": "app_mention", "text": "hi"}}), "application/json", {}, 200),
        ("payload=%7Bnot-json", FORM, {}, 400),
        ("payload=%5B1%2C2%5D", FORM, {}, 400),
        (b"\xff\xfe".decode("latin-1"), "application/json", {}, 400),
        (json.dumps({"type": "event_callback", "event": {"type": "app_mention"}}), "application/json", {"ts": "abc"}, 401),
        ("not json", "application/json", {"secret": "wrong"}, 401),
    ],
)
def test_malformed_signed_bodies_rejected_with_one_log_line(server, fake_slack, caplog, body, content_type, header_kw, status):
    srv = server()
    caplog.clear()
    with caplog.at_level(logging.INFO):
        got, _ = srv.post(body, slack_headers(body, content_type=content_type, **header_kw))
        time.sleep(0.2)
    assert got == status
    ours = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(ours) == 1, [r.getMessage() for r in ours]
    assert not any(r.exc_info for r in caplog.records), "no traceback for bad input"
    assert not fake_slack.requests("chat.postMessage")


# -- item 7: the bot token goes only to Slack's file hosts -------------------------------------------------

@pytest.fixture
def evil():
    other = FakeSlack()  # another host: it must never see the bot token
    yield other
    other.close()


def upload_event(f: dict, eid: str, ts: str) -> str:
    return event_body({"type": "message", "subtype": "file_share", "user": "UADMIN", "text": "hostile", "ts": ts,
                       "channel": "D9", "channel_type": "im", "files": [f]}, eid)


def test_file_download_never_sends_the_token_elsewhere(make_app, fake_slack, evil, index, sample_pdfs):
    app = make_app(index=index, slack_uploaders="UADMIN")
    pdf = sample_pdfs["2026"].read_bytes()
    evil.files["F1"] = pdf
    # 1. a download URL on another host
    ok(app, upload_event(fake_slack.file_object("F1", "a.pdf", pdf, url=f"{evil.url}files/F1"), "Ed1", "1700000100.000100"))
    first = fake_slack.wait_for("chat.postMessage")[0]["text"]
    assert "not on Slack's file host" in first and "Nothing changed" not in first and "could not index" in first
    # 2. Slack's host redirecting to another host
    fake_slack.redirects["F2"] = f"{evil.url}files/F1"
    ok(app, upload_event(fake_slack.file_object("F2", "b.pdf", pdf), "Ed2", "1700000101.000100"))
    second = fake_slack.wait_for("chat.postMessage", 2)[1]["text"]
    assert "redirected the download" in second
    assert fake_slack.requests("/files/F2")[0]["authorization"] == "Bearer xoxb-test"
    assert evil.calls == []  # the other host was never contacted, so never saw the token
    # 3. a redirect within Slack's file host is followed, with the token
    fake_slack.redirects["F3"] = f"{fake_slack.url}files/F4"
    fake_slack.files["F4"] = pdf
    ok(app, upload_event(fake_slack.file_object("F3", "northwind.pdf", pdf), "Ed3", "1700000102.000100"))
    third = fake_slack.wait_for("chat.postMessage", 3)[2]["text"]
    assert "Indexed *northwind.pdf*" in third
    assert fake_slack.requests("/files/F4")[0]["authorization"] == "Bearer xoxb-test"
    assert index.policies() == ["hostile"]


def test_download_needs_https_on_the_listed_host():
    for url in ("http://files.slack.com/files-pri/T1-F1/a.pdf", "https://files.slack.com.evil.example/a.pdf", "https://evil.example/a.pdf"):
        with pytest.raises(IngestError, match="not on Slack's file host"):
            download(url, "xoxb-test", 1000, ["https://files.slack.com"])


# -- item 8: the Slack Connect check fails closed and is cached briefly -----------------------------------

def test_shared_channel_check_fails_closed_and_expires(make_app, fake_slack):
    app = make_app(slack_api_retries=1, slack_channel_cache_seconds=1.0)
    fake_slack.fail("conversations.info", times=2, status=429, retry_after=0)  # rate limited, and still after one retry
    ok(app, event_body(mention("what is the ransomware sublimit?", channel="C7", ts="1700000200.000100"), "Ec1"))
    refusal = fake_slack.wait_for("chat.postMessage")[0]
    assert "couldn't check whether this channel is shared" in refusal["text"] and "ratelimited" in refusal["text"]
    assert "blocks" not in refusal or not refusal["blocks"]
    fake_slack.fail("conversations.info", times=1, error="internal_error")  # ok=false fails closed too
    ok(app, event_body(mention("what is the ransomware sublimit?", channel="C7", ts="1700000201.000100"), "Ec2"))
    assert "internal_error" in fake_slack.wait_for("chat.postMessage", 2)[1]["text"]
    # failures are not cached: the next question is checked again and answered
    ok(app, event_body(mention("what is the ransomware sublimit?", channel="C7", ts="1700000202.000100"), "Ec3"))
    assert "$250,000" in all_text(fake_slack.wait_for("chat.postMessage", 3)[2])
    calls = len(fake_slack.requests("conversations.info"))
    # the channel becomes shared: trusted from the cache for a moment, then checked again and refused
    fake_slack.channels["C7"] = {"is_ext_shared": True}
    ok(app, event_body(mention("what is the retention per claim?", channel="C7", ts="1700000203.000100"), "Ec4"))
    fake_slack.wait_for("chat.postMessage", 4)
    assert len(fake_slack.requests("conversations.info")) == calls
    time.sleep(1.1)
    ok(app, event_body(mention("what is the retention per claim?", channel="C7", ts="1700000204.000100"), "Ec5"))
    assert "shared with another organisation" in fake_slack.wait_for("chat.postMessage", 5)[4]["text"]


# -- item 9: one access check in front of every surface ----------------------------------------------------

def test_access_check_on_every_surface(make_app, fake_slack, tmp_path):
    fake_slack.channels["CEXT"] = {"is_ext_shared": True}
    app = make_app(slack_uploaders="U1", slack_private_users="U1")
    SlackState(tmp_path / "slack-data" / "slack.sqlite3").mark_thread("CEXT", "1700000300.000100")
    # mention, thread follow-up, PDF upload in a shared channel
    ok(app, event_body(mention("what is the ransomware sublimit?", channel="CEXT", ts="1700000301.000100"), "Ea1"))
    ok(app, event_body({"type": "message", "user": "U1", "text": "and the retention?", "ts": "1700000302.000100",
                        "thread_ts": "1700000300.000100", "channel": "CEXT", "channel_type": "channel"}, "Ea2"))
    ok(app, event_body({"type": "message", "subtype": "file_share", "user": "U1", "text": "renewal", "ts": "1700000303.000100",
                        "channel": "CEXT", "channel_type": "channel",
                        "files": [fake_slack.file_object("F1", "p.pdf", b"%PDF-1.4")]}, "Ea3"))
    # Slack's own flag on the event is enough, even for a channel conversations.info does not know yet
    ok(app, event_body(mention("what is the ransomware sublimit?", channel="CNEW", ts="1700000304.000100"), "Ea4", is_ext_shared_channel=True))
    posts = fake_slack.wait_for("chat.postMessage", 4)
    assert all("shared with another organisation" in p["text"] for p in posts), [p["text"] for p in posts]
    assert not fake_slack.requests("/files/F1")
    # every /policy subcommand
    for text in SUBCOMMANDS:
        ok(app, command_body(text, channel="CEXT"), content_type=FORM)
    eph = fake_slack.wait_for("chat.postEphemeral", len(SUBCOMMANDS))
    assert all("shared with another organisation" in e["text"] for e in eph), [e["text"] for e in eph]
    # buttons
    for el in ({"action_id": "feedback_helpful", "value": "1"}, {"action_id": "show_clause", "value": "whatever"}):
        ok(app, action_body(el, channel="CEXT"), content_type=FORM)
    eph = fake_slack.wait_for("chat.postEphemeral", len(SUBCOMMANDS) + 2)
    assert all("shared with another organisation" in e["text"] for e in eph)
    assert SlackState(tmp_path / "slack-data" / "slack.sqlite3").feedback() == []
    # a user from another organisation: DM, button in a DM, App Home
    ok(app, event_body({"type": "message", "user": "UX", "user_team": "T2", "text": "what is the ransomware sublimit?",
                        "ts": "1700000305.000100", "channel": "D5", "channel_type": "im"}, "Ea5"))
    ok(app, action_body({"action_id": "show_clause", "value": "x"}, channel="D5", user="UX", user_team="T2"), content_type=FORM)
    ok(app, event_body({"type": "app_home_opened", "user": "UX", "user_team": "T2", "channel": "D5", "tab": "home"}, "Ea6"))
    dm = fake_slack.wait_for("chat.postMessage", 5)[4]
    assert dm["channel"] == "D5" and "another organisation's workspace" in dm["text"]
    assert "another organisation's workspace" in fake_slack.wait_for("chat.postEphemeral", len(SUBCOMMANDS) + 3)[-1]["text"]
    home = json.dumps(fake_slack.wait_for("views.publish")[0]["view"])
    assert "another organisation" in home and "northwind" not in home
    # a channel outside POLICYBOT_SLACK_ALLOWED_CHANNELS
    app2 = make_app(slack_allowed_channels="C1,C2")
    ok(app2, event_body(mention("what is the ransomware sublimit?", channel="C3", ts="1700000306.000100"), "Ea7"))
    assert "not enabled in this channel" in fake_slack.wait_for("chat.postMessage", 6)[5]["text"]
    time.sleep(0.3)
    everything = " ".join(all_text(b) for p, b in fake_slack.calls if p in ("chat.postMessage", "chat.postEphemeral", "views.publish"))
    assert "$250,000" not in everything and "Multi-Factor" not in everything and "northwind" not in everything


# -- item 10: document and user text are escaped everywhere we echo them -----------------------------------

HOSTILE = [
    "HOSTILE MUTUAL CYBER POLICY",
    "IV. CONDITIONS",
    "A. Multi-Factor Authentication. As a condition of coverage the Insured must enforce multi-factor authentication "
    "<!channel> for all remote access to email <@U999> and all systems; see <https://evil.example/phish|the insurer portal>.",
    "III. LIMITS OF LIABILITY",
    "B. Ransomware Sublimit. The ransomware sublimit is {sublimit} <!here> in the aggregate for all extortion loss.",
]


def hostile_pdf(path, sublimit: str):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for block in HOSTILE:
        pdf.multi_cell(0, 6, block.format(sublimit=sublimit))
        pdf.ln(3)
    pdf.output(str(path))
    return path


def test_markup_escaped_in_every_echo(make_app, fake_slack, index, tmp_path):
    index.ingest_file(hostile_pdf(tmp_path / "h1.pdf", "$100,000"), policy="hostile", version="2025", file_name="<!here>2025.pdf")
    index.ingest_file(hostile_pdf(tmp_path / "h2.pdf", "$50,000"), policy="hostile", version="2026", file_name="<!channel>2026.pdf")
    app = make_app(index=index, slack_uploaders="U1")
    ok(app, event_body(mention("must we enforce multi-factor authentication for remote access to email?", ts="1700000400.000100"), "Eh1"))
    answer = fake_slack.wait_for("chat.postMessage")[0]
    assert "&lt;!channel&gt;" in answer["text"] and "&lt;!channel&gt;" in json.dumps(answer["blocks"])  # the quote is there, inert
    show = next(e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "show_clause")
    ok(app, action_body(show, thread_ts="1700000400.000100"), content_type=FORM)
    for text in ("docs", "diff", "gaps", "<!channel>", "ask <!here> what is the ransomware sublimit?"):
        ok(app, command_body(text), content_type=FORM)
    ok(app, event_body({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}, "Eh2"))
    ok(app, event_body({"type": "message", "subtype": "file_share", "user": "U1", "text": "hostile", "ts": "1700000401.000100",
                        "channel": "D1", "channel_type": "im", "files": [fake_slack.file_object("F1", "<!channel>.txt", b"x", filetype="text")]}, "Eh3"))
    fake_slack.wait_for("views.publish")
    wait_until(lambda: len(fake_slack.requests("chat.postMessage")) + len(fake_slack.requests("chat.postEphemeral")) >= 8)
    time.sleep(0.5)
    sent = [(p, all_text(b)) for p, b in fake_slack.calls if p in ("chat.postMessage", "chat.postEphemeral", "views.publish")]
    for path, text in sent:
        for raw in MARKUP:
            assert raw not in text, (path, raw, text[:300])
    joined = " ".join(t for _, t in sent)
    for shown in ("&lt;!channel&gt;", "&lt;!here&gt;2025.pdf", "&lt;@U999&gt;", "Unknown subcommand `&lt;!channel&gt;`", "&lt;!channel&gt;.txt"):
        assert shown in joined, shown


# -- item 14: Web API rate limits and dropped connections are retried ---------------------------------------

def test_rate_limited_and_dropped_calls_are_retried(make_app, fake_slack):
    app = make_app()
    fake_slack.fail("chat.postMessage", times=1, status=429, retry_after=1)
    fake_slack.fail("views.publish", times=1, status=0)  # connection dropped
    t0 = time.monotonic()
    ok(app, event_body(mention("what is the ransomware sublimit?", ts="1700000500.000100"), "Er1"))
    ok(app, event_body({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}, "Er2"))
    posts = fake_slack.wait_for("chat.postMessage", 2)
    assert "$250,000" in all_text(posts[1]) and posts[0]["thread_ts"] == posts[1]["thread_ts"] == "1700000500.000100"
    assert time.monotonic() - t0 >= 1.0  # Retry-After was honoured
    assert len(fake_slack.wait_for("views.publish", 2)) == 2


# -- issue 7, item 6: Slack markup is normalised before the pipeline sees it, on every surface -------------

def test_slack_text_normalised_on_every_surface(make_app, fake_slack):
    from bot.pipeline import answer

    asked: list[str] = []

    def recording(question, **kw):
        asked.append(question)
        return answer(question, **kw)

    app = make_app(answer_fn=recording)
    raw = "<!channel> what is the <https://x.example/r|ransomware> sublimit for R&amp;D? (from <#C123|general>)"
    ok(app, event_body(mention(raw, ts="1700000600.000100"), "En1"))
    ok(app, event_body({"type": "message", "user": "U1", "text": raw, "ts": "1700000601.000100", "channel": "D1", "channel_type": "im"}, "En2"))
    fake_slack.wait_for("chat.postMessage", 2)
    ok(app, event_body({"type": "message", "user": "U1", "text": f"<@U777> {raw}", "ts": "1700000602.000100",
                        "thread_ts": "1700000600.000100", "channel": "C1", "channel_type": "channel"}, "En3"))
    ok(app, command_body(f"ask {raw}"), content_type=FORM)
    posts = fake_slack.wait_for("chat.postMessage", 4)
    clean = "what is the ransomware sublimit for R&D? (from #general)"
    assert asked == [clean] * 4
    assert all("$250,000" in all_text(p) for p in posts), [p["text"][:200] for p in posts]
