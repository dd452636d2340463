"""Requests as Slack sends them (signed with the signing secret), for the Bolt app or its HTTP server."""
from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from . import BOT_USER

SECRET = "test-signing-secret"
FORM = "application/x-www-form-urlencoded"


def slack_headers(body: str, *, content_type="application/json", ts=None, secret=SECRET, retry=None) -> dict:
    ts = str(int(ts if ts is not None else time.time())) if not isinstance(ts, str) else ts
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)}
    if retry:
        headers["X-Slack-Retry-Num"] = str(retry)
    return headers


def signed(body: str, **kw) -> BoltRequest:
    """A BoltRequest for `app.dispatch`, signed like Slack's."""
    return BoltRequest(body=body, headers={k.lower(): [v] for k, v in slack_headers(body, **kw).items()})


def event_body(event: dict, event_id: str, **extra) -> str:
    return json.dumps({"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()), "event": event, **extra})


def command_body(text: str, channel="D123", user="U1") -> str:
    return urlencode({"command": "/policy", "text": text, "channel_id": channel, "user_id": user, "team_id": "T1",
                      "response_url": "http://127.0.0.1:9/unused", "trigger_id": "t1",
                      "channel_name": "directmessage" if channel.startswith("D") else "general"})


def action_body(element: dict, *, channel="C1", user="U1", user_team="T1", thread_ts="1700000020.000100") -> str:
    payload = {"type": "block_actions", "user": {"id": user, "team_id": user_team}, "team": {"id": "T1"}, "api_app_id": "A1",
               "channel": {"id": channel}, "message": {"ts": "1700000021.000100", "thread_ts": thread_ts},
               "actions": [{**element, "block_id": "b1", "type": "button"}], "trigger_id": "t", "container": {"type": "message"}}
    return urlencode({"payload": json.dumps(payload)})


def mention(text, ts="1700000000.000100", channel="C1", user="U1", thread_ts=None, **extra) -> dict:
    ev = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts, "channel": channel, "channel_type": "channel", **extra}
    if thread_ts:
        ev["thread_ts"] = thread_ts
    return ev


def all_text(msg: dict) -> str:
    """Everything a user could see in a recorded Slack call: blocks, view and fallback text."""
    return json.dumps(msg.get("blocks", [])) + json.dumps(msg.get("view", {})) + (msg.get("text") or "")
