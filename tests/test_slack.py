"""The real Bolt app against a real local fake Slack Web API, with requests signed as Slack signs them.
Every request's HTTP status is asserted."""
import json
import time
from urllib.parse import urlencode

import pytest

from bot.config import Settings
from bot.slack.app import create_app
from bot.slack.work import WorkQueue
from tests.fake_slack import BOT_USER
from tests.fake_slack.slack_requests import FORM, SECRET, action_body, all_text, command_body, event_body, mention, signed, slack_headers

pytestmark = pytest.mark.slow


@pytest.fixture
def make_app(fake_slack, sample_index, tmp_path):
    """Build the app as production does (its own WebClient from the settings), pointed at the fake Slack."""
    queues = []

    def build(answer_fn=None, index=None, **settings_kw):
        settings = Settings(data_dir=tmp_path / "slack-data", slack_signing_secret=SECRET, slack_bot_token="xoxb-test",
                            slack_api_url=fake_slack.url, slack_file_hosts=[fake_slack.origin], **settings_kw)
        queue = WorkQueue(settings.slack_workers, settings.slack_queue_size)
        queues.append(queue)
        extra = {"answer_fn": answer_fn} if answer_fn else {}
        return create_app(settings, index=index or sample_index, queue=queue, **extra)

    yield build
    for q in queues:
        q.drain(10)


def ok(app, body: str, **kw):
    """Dispatch a signed request and check Slack got a 200 (anything else makes Slack retry or show an error)."""
    resp = app.dispatch(signed(body, **kw))
    assert resp.status == 200, (resp.status, resp.body)
    return resp


def test_mention_answers_in_thread_with_quote_and_page(make_app, fake_slack):
    app = make_app()
    ok(app, event_body(mention("does our policy require MFA on email?"), "Ev1"))
    msg = fake_slack.wait_for("chat.postMessage")[0]
    assert msg["thread_ts"] == "1700000000.000100" and msg["channel"] == "C1"
    quotes = [b for b in msg["blocks"] if b["type"] == "section" and b["text"]["text"].startswith("> ")]
    assert "Multi-Factor Authentication for all remote access" in quotes[0]["text"]["text"]
    assert "p. 9" in json.dumps(msg["blocks"]) and "northwind 2026" in json.dumps(msg["blocks"])
    assert len(msg["blocks"]) <= 50
    assert fake_slack.wait_for("reactions.remove")[0]["name"] == "eyes"
    assert fake_slack.requests("reactions.add")[0]["name"] == "eyes"


def test_retried_event_answered_once_and_new_retry_processed(make_app, fake_slack):
    app = make_app()
    body = event_body(mention("what is the ransomware sublimit?"), "Ev2")
    ok(app, body)
    ok(app, body, retry=1)
    fake_slack.wait_for("chat.postMessage")
    time.sleep(0.5)
    assert len(fake_slack.requests("chat.postMessage")) == 1
    # a retry whose first delivery never arrived is still answered
    ok(app, event_body(mention("what is the retention?", ts="1700000001.000100"), "Ev3"), retry=1)
    fake_slack.wait_for("chat.postMessage", 2)


def test_bad_signature_and_stale_timestamp_rejected(make_app, fake_slack):
    app = make_app()
    body = event_body(mention("mfa?"), "Ev4")
    assert app.dispatch(signed(body, secret="wrong")).status == 401
    assert app.dispatch(signed(body, ts=time.time() - 600)).status == 401
    time.sleep(0.2)
    assert not fake_slack.requests("chat.postMessage")


def test_dm_and_thread_follow_up_without_mention(make_app, fake_slack):
    app = make_app()
    dm = {"type": "message", "user": "U1", "text": "how soon must we notify the insurer of a breach?", "ts": "1700000002.000100", "channel": "D1", "channel_type": "im"}
    ok(app, event_body(dm, "Ev5"))
    msg = fake_slack.wait_for("chat.postMessage")[0]
    assert msg["channel"] == "D1" and "p. 10" in all_text(msg)
    ok(app, event_body(mention("what is the ransomware sublimit?", ts="1700000003.000100"), "Ev6"))
    fake_slack.wait_for("chat.postMessage", 2)
    follow = {"type": "message", "user": "U1", "text": "and is there coinsurance?", "ts": "1700000004.000100",
              "thread_ts": "1700000003.000100", "channel": "C1", "channel_type": "channel"}
    ok(app, event_body(follow, "Ev7"))
    third = fake_slack.wait_for("chat.postMessage", 3)[2]
    assert third["thread_ts"] == "1700000003.000100" and "30%" in all_text(third)
    # the message event Slack also sends for a mention is skipped; other bots are ignored
    dup = {"type": "message", "user": "U1", "text": f"<@{BOT_USER}> hi", "ts": "1700000005.000100", "channel": "C1", "channel_type": "channel"}
    ok(app, event_body(dup, "Ev8"))
    botmsg = {**dm, "bot_id": "B2", "ts": "1700000006.000100"}
    ok(app, event_body(botmsg, "Ev9"))
    time.sleep(0.5)
    assert len(fake_slack.requests("chat.postMessage")) == 3


def test_pipeline_exception_posts_error_in_thread(make_app, fake_slack, caplog):
    def boom(*a, **k):
        raise RuntimeError("index exploded")

    app = make_app(answer_fn=boom)
    ok(app, event_body(mention("mfa?", ts="1700000010.000100"), "Ev10"))
    msg = fake_slack.wait_for("chat.postMessage")[0]
    assert msg["thread_ts"] == "1700000010.000100" and "error ref" in msg["text"]
    assert "index exploded" not in msg["text"] and "xoxb" not in msg["text"]
    fake_slack.wait_for("reactions.remove")
    ref = msg["text"].split("`")[1]
    logged = caplog.text
    assert ref in logged and "index exploded" in logged  # details go to the log, with the same ref
    assert "xoxb-test" not in logged and SECRET not in logged


def test_slack_connect_channel_declined(make_app, fake_slack):
    fake_slack.channels["CEXT"] = {"is_ext_shared": True}
    app = make_app()
    ok(app, event_body(mention("mfa?", channel="CEXT", ts="1700000011.000100"), "Ev11"))
    msg = fake_slack.wait_for("chat.postMessage")[0]
    assert "shared with another organisation" in msg["text"]


def test_policy_commands(make_app, fake_slack):
    app = make_app()
    r = ok(app, command_body("ask what is the retention per claim?"), content_type=FORM)
    assert r.status == 200 and "Reading the policy" in r.body
    msg = fake_slack.wait_for("chat.postMessage")[0]
    assert "$25,000" in all_text(msg)
    for sub, needle in (("help", "/policy ask"), ("docs", "northwind"), ("status", "PolicyBot is up")):
        ok(app, command_body(sub), content_type=FORM)
        eph = fake_slack.wait_for("chat.postEphemeral", 1)
        deadline = time.time() + 10
        while not any(needle in e["text"] for e in fake_slack.requests("chat.postEphemeral")) and time.time() < deadline:
            time.sleep(0.05)
        assert any(needle in e["text"] for e in fake_slack.requests("chat.postEphemeral")), sub
    ok(app, command_body("gaps"), content_type=FORM)
    ok(app, command_body("diff"), content_type=FORM)
    posts = fake_slack.wait_for("chat.postMessage", 3)
    text = " ".join(all_text(p) for p in posts)
    assert "Renewal checklist" in text and "$500,000" in text and "$250,000" in text
    # gaps are private: refused in a channel
    ok(app, command_body("gaps", channel="C1"), content_type=FORM)
    deadline = time.time() + 10
    while not any("only send it in a DM" in e["text"] for e in fake_slack.requests("chat.postEphemeral")) and time.time() < deadline:
        time.sleep(0.05)
    assert any("only send it in a DM" in e["text"] for e in fake_slack.requests("chat.postEphemeral"))


def test_app_home_published(make_app, fake_slack):
    app = make_app()
    ok(app, event_body({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}, "Ev12"))
    view = fake_slack.wait_for("views.publish")[0]["view"]
    text = json.dumps(view)
    assert view["type"] == "home" and "northwind" in text and "not confirmed" in text


def test_feedback_recorded_and_full_clause_shown(make_app, fake_slack, tmp_path):
    app = make_app()
    ok(app, event_body(mention("does our policy require MFA on email?", ts="1700000020.000100"), "Ev13"))
    msg = fake_slack.wait_for("chat.postMessage")[0]
    actions = [b for b in msg["blocks"] if b["type"] == "actions"][0]["elements"]
    helpful = next(e for e in actions if e["action_id"] == "feedback_helpful")
    show = next(e for e in actions if e["action_id"] == "show_clause")
    for el in (helpful, show):
        ok(app, action_body(el), content_type=FORM)
    posts = fake_slack.wait_for("chat.postMessage", 2)
    assert "Multi-Factor Authentication" in posts[1]["text"] and "```" in posts[1]["text"]
    assert "feedback was recorded" in fake_slack.wait_for("chat.postEphemeral")[0]["text"]
    from bot.slack.state import SlackState

    fb = SlackState(tmp_path / "slack-data" / "slack.sqlite3").feedback()
    assert fb[0]["verdict"] == "helpful" and fb[0]["question"] == "does our policy require MFA on email?"
    assert fb[0]["chunk_ids"] and fb[0]["answer"]["citations"][0]["page_start"] == 9


def test_upload_flow(make_app, fake_slack, sample_pdfs, tmp_path, minilm):
    from vectorstore.index import PolicyIndex

    ix = PolicyIndex(tmp_path / "upload-index", minilm)
    ix.ingest_file(sample_pdfs["2025"], policy="northwind", version="2025")
    app = make_app(index=ix, slack_uploaders="UADMIN")  # as the README's `export POLICYBOT_SLACK_UPLOADERS=…`

    def upload(user, f, eid, ts):
        ev = {"type": "message", "subtype": "file_share", "user": user, "text": "northwind renewal", "ts": ts,
              "channel": "D9", "channel_type": "im", "files": [f]}
        ok(app, event_body(ev, eid))

    upload("UOTHER", fake_slack.file_object("F0", "renewal.pdf", sample_pdfs["2026"].read_bytes()), "Eu0", "1700000030.000100")
    assert "only the configured policy uploaders" in fake_slack.wait_for("chat.postMessage")[0]["text"]
    upload("UADMIN", fake_slack.file_object("F1", "notes.txt", b"hello", filetype="text"), "Eu1", "1700000031.000100")
    assert "is not a PDF" in fake_slack.wait_for("chat.postMessage", 2)[1]["text"]
    upload("UADMIN", fake_slack.file_object("F2", "broken.pdf", b"%PDF-1.4 broken"), "Eu2", "1700000032.000100")
    assert "could not index" in fake_slack.wait_for("chat.postMessage", 3)[2]["text"]
    before = ix.search("ransomware sublimit", k=1, policy="northwind", clause_types=["limit"])[0].chunk.version
    assert before == "2025"
    upload("UADMIN", fake_slack.file_object("F3", "northwind-2026.pdf", sample_pdfs["2026"].read_bytes()), "Eu3", "1700000033.000100")
    summary = fake_slack.wait_for("chat.postMessage", 4)[3]["text"]
    assert "Indexed *northwind-2026.pdf* as policy *northwind*" in summary and "version *v2*" in summary
    assert "$500,000 → $250,000" in summary
    dl = fake_slack.requests("/files/F3")[0]
    assert dl["authorization"] == "Bearer xoxb-test"
    ok(app, event_body(mention("what is the ransomware sublimit?", ts="1700000034.000100", channel="D9"), "Eu4"))
    ans = fake_slack.wait_for("chat.postMessage", 5)[4]
    assert "$250,000" in all_text(ans) and "$500,000" not in all_text(ans)


def test_uploads_off_until_configured(make_app, fake_slack, sample_pdfs):
    app = make_app()
    ev = {"type": "message", "subtype": "file_share", "user": "U1", "text": "", "ts": "1700000040.000100", "channel": "D1",
          "channel_type": "im", "files": [fake_slack.file_object("F9", "p.pdf", sample_pdfs["2026"].read_bytes())]}
    ok(app, event_body(ev, "Eo1"))
    assert "POLICYBOT_SLACK_UPLOADERS" in fake_slack.wait_for("chat.postMessage")[0]["text"]


def test_socket_mode_request_path(make_app, fake_slack):
    app = make_app()
    body = json.loads(event_body(mention("what is the waiting period for business interruption?", ts="1700000050.000100"), "Es1"))
    from slack_bolt.request import BoltRequest

    resp = app.dispatch(BoltRequest(body=body, mode="socket_mode"))
    assert resp.status == 200
    msg = fake_slack.wait_for("chat.postMessage")[0]
    assert "12 hours" in all_text(msg)


def test_http_mode_under_uvicorn(make_app, fake_slack):
    """The production HTTP path: uvicorn + Starlette adapter, real sockets, Slack's signature headers."""
    from bot.slack.server import http_asgi
    from tests.http_server import ServerThread

    srv = ServerThread(http_asgi(make_app(), signing_secret=SECRET))
    try:
        body = event_body(mention("what is the ransomware sublimit?", ts="1700000060.000100"), "Eh1")
        assert srv.post(body, slack_headers(body, secret="nope"))[0] == 401
        status, _ = srv.post(body, slack_headers(body))
        assert status == 200
        msg = fake_slack.wait_for("chat.postMessage")[0]
        assert msg["thread_ts"] == "1700000060.000100" and "$250,000" in all_text(msg)
        challenge = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
        assert "abc123" in srv.post(challenge, slack_headers(challenge))[1]
    finally:
        srv.stop()


def test_incident_playbook_goes_to_the_dm_never_the_channel(make_app, fake_slack):
    app = make_app()
    r = app.dispatch(signed(command_body("incident", channel="C1"), content_type="application/x-www-form-urlencoded"))
    assert r.status == 200 and "Reading the policy" in r.body
    post = fake_slack.wait_for("chat.postMessage")[0]
    assert post["channel"] == "U1"  # the user's DM with the bot, not C1
    text = all_text(post)
    assert "within 72 hours" in text and "p. 10" in text and "Consent before paying a ransom" in text
    deadline = time.time() + 10
    while not any("in our DM" in e["text"] for e in fake_slack.requests("chat.postEphemeral")) and time.time() < deadline:
        time.sleep(0.05)
    assert any(e["channel"] == "C1" and "in our DM" in e["text"] for e in fake_slack.requests("chat.postEphemeral"))
    # App Home: the "We've been hit" button sends the same playbook to the DM.
    app.dispatch(signed(event_body({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}, "Ev-home-incident")))
    view = fake_slack.wait_for("views.publish")[0]["view"]
    buttons = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == ["incident_playbook"] and buttons[0]["text"]["text"] == "We've been hit"
    click = {"type": "block_actions", "user": {"id": "U2"}, "team": {"id": "T1"}, "api_app_id": "A1", "trigger_id": "t2",
             "actions": [{"action_id": "incident_playbook", "type": "button", "block_id": "b1", "action_ts": "1"}]}
    r = app.dispatch(signed(urlencode({"payload": json.dumps(click)}), content_type="application/x-www-form-urlencoded"))
    assert r.status == 200
    posts = fake_slack.wait_for("chat.postMessage", 2)
    assert posts[1]["channel"] == "U2" and "We've been hit" in posts[1]["text"]
