"""The Bolt app. Listeners only acknowledge and queue a job; every job passes one access check, adapts
the request to the answer pipeline and renders its result. Slack's ack never waits for answering work."""
from __future__ import annotations

import logging
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Mapping

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from ingestion.errors import IngestError
from vectorstore.index import IndexError_, PolicyIndex, slugify

from ..config import Settings
from ..pipeline import EmptyIndexError, answer
from ..posture import Posture
from ..incident import incident_playbook, render_playbook
from ..report import diff_versions, gap_report, render_diff, render_gaps
from ..types import Answer
from .blocks import answer_blocks, answer_text, help_text, home_view, section, text_blocks, trim
from .state import SlackState
from .text import escape, normalise
from .work import WorkQueue

log = logging.getLogger("policybot.slack")
AnswerFn = Callable[..., Answer]
USER_ERRORS = (IngestError, IndexError_, EmptyIndexError, ValueError)
BUSY = "I'm busy answering other questions right now, so I did not queue this one — try again in a minute."
# Request kinds Bolt routes to listeners; anything else (e.g. app_rate_limited) is acknowledged and ignored.
BOLT_TYPES = {"event_callback", "block_actions", "interactive_message", "view_submission", "view_closed", "shortcut",
              "message_action", "block_suggestion", "dialog_submission", "dialog_cancellation", "dialog_suggestion",
              "url_verification", "ssl_check"}
IGNORED_SUBTYPES = {"bot_message", "message_changed", "message_deleted", "channel_join", "channel_leave"}


@dataclass(frozen=True)
class SlackRequest:
    """What every surface hands a job: who asked, where, and where replies go."""

    surface: str  # mention | dm | thread | upload | command | action | home
    user: str
    channel: str  # "" for App Home
    channel_type: str  # im | channel | home
    text: str = ""  # normalised (see text.normalise)
    ts: str | None = None  # the message that gets the 👀 while we work
    thread_ts: str | None = None  # where public replies go (None: top level of the channel)
    user_team: str | None = None  # the user's workspace, when Slack says
    home_team: str | None = None  # the workspace the bot is installed in
    shared_hint: bool = False  # Slack flagged the event as from an externally shared channel
    payload: Mapping = field(default_factory=dict, compare=False)

    @property
    def key(self) -> tuple:
        """Jobs with one key run in order: a thread, a DM, or a user's commands in a channel."""
        if self.channel_type == "im":
            return ("im", self.channel)
        if self.surface == "home":
            return ("home", self.user)
        if self.thread_ts:
            return ("thread", self.channel, self.thread_ts)
        return ("user", self.channel, self.user)

    @property
    def private(self) -> bool:
        return self.channel_type in ("im", "home")


@dataclass(frozen=True)
class Subcommand:
    """One `/policy` subcommand. `private` ones show posture data: DMs or POLICYBOT_SLACK_PRIVATE_USERS only."""

    run: Callable[[SlackRequest], None]
    usage: str
    ack: str | None = None  # shown at once for slow subcommands
    private: str | None = None  # the refusal outside DMs, when private


class Access:
    """The one access check in front of every surface."""

    def __init__(self, settings: Settings, client: WebClient) -> None:
        self.settings = settings
        self.client = client
        self._shared: dict[str, tuple[float, bool]] = {}  # channel -> (checked at, externally shared)
        self._lock = threading.Lock()

    def refusal(self, req: SlackRequest, private: str | None = None) -> str | None:
        """Why the bot must not serve this request, or None."""
        if req.user_team and req.home_team and req.user_team != req.home_team:
            return "You're in another organisation's workspace, so I can't share this organisation's insurance policy with you."
        if not req.private:
            s = self.settings
            if s.slack_allowed_channels and req.channel not in s.slack_allowed_channels:
                return "I'm not enabled in this channel. An admin can add it to POLICYBOT_SLACK_ALLOWED_CHANNELS, or DM me instead."
            if req.channel not in s.slack_allowed_shared_channels:
                if req.shared_hint:
                    return "This channel is shared with another organisation, so I won't discuss the policy here. DM me instead."
                try:
                    shared = self.externally_shared(req.channel)
                except Exception as exc:  # fail closed: an unknown channel may be shared
                    log.warning("conversations.info failed for %s (%s); refusing to answer there", req.channel, _slack_error(exc))
                    return (f"I couldn't check whether this channel is shared with another organisation (Slack said: "
                            f"{escape(_slack_error(exc))}), so I won't discuss the policy here. Try again in a minute, or DM me.")
                if shared:
                    return "This channel is shared with another organisation, so I won't discuss the policy here. DM me instead."
        if private and not self.private_ok(req):
            return private
        return None

    def private_ok(self, req: SlackRequest) -> bool:
        """Posture details and the gaps report: in DMs and App Home, or for POLICYBOT_SLACK_PRIVATE_USERS."""
        return req.private or req.user in self.settings.slack_private_users

    def externally_shared(self, channel: str) -> bool:
        """Slack Connect status from conversations.info, trusted for `slack_channel_cache_seconds`; errors raise."""
        now = time.monotonic()
        with self._lock:
            hit = self._shared.get(channel)
        if hit and now - hit[0] < self.settings.slack_channel_cache_seconds:
            return hit[1]
        info = self.client.conversations_info(channel=channel)["channel"]
        shared = bool(info.get("is_ext_shared") or info.get("is_pending_ext_shared")
                      or (info.get("is_shared") and not info.get("is_org_shared")))
        with self._lock:
            self._shared[channel] = (now, shared)
        return shared


def make_client(settings: Settings) -> WebClient:
    """The Web API client: waits out HTTP 429 (Retry-After) and retries dropped connections."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    retries = settings.slack_api_retries
    return WebClient(token=token, base_url=settings.slack_api_url,
                     retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=retries), ConnectionErrorRetryHandler(max_retry_count=retries)])


def create_app(
    settings: Settings,
    *,
    index: PolicyIndex,
    client: WebClient | None = None,
    answer_fn: AnswerFn = answer,
    posture: Posture | None = None,
    chat_model=None,
    state: SlackState | None = None,
    queue: WorkQueue | None = None,
) -> App:
    """Build the Bolt app. `answer_fn` is the pipeline (tests may pass one that raises); `queue` runs the answering
    work (the server passes its own so it can drain it on shutdown)."""
    client = client or make_client(settings)
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    # Listeners only queue work, so they run before the response: the ack keeps arrival order and is fast.
    app = App(client=client, signing_secret=secret, process_before_response=True, logger=log)
    state = state or SlackState(settings.data_dir / "slack.sqlite3")
    queue = queue or WorkQueue(settings.slack_workers, settings.slack_queue_size)
    overflow = ThreadPoolExecutor(1, thread_name_prefix="policybot-busy")  # "busy" replies, off the ack path
    access = Access(settings, client)

    # -- replies ----------------------------------------------------------------------------------
    def post(req: SlackRequest, text: str, blocks: list | None = None) -> None:
        """A public reply: in the request's thread, or at the top of the channel."""
        client.chat_postMessage(channel=req.channel, thread_ts=req.thread_ts, text=text, blocks=blocks, unfurl_links=False)

    def tell(req: SlackRequest, text: str) -> None:
        """A reply for the asker only where Slack allows it (commands, buttons, App Home), else in the thread."""
        if req.surface == "home":
            client.views_publish(user_id=req.user, view={"type": "home", "blocks": [section(text)]})
        elif req.surface in ("command", "action") and req.channel:
            client.chat_postEphemeral(channel=req.channel, user=req.user, text=text)
        elif req.channel:
            post(req, text)

    def fail(req: SlackRequest, exc: Exception) -> None:
        if isinstance(exc, USER_ERRORS):
            tell(req, f"⚠️ {escape(str(exc))}")
            return
        ref = uuid.uuid4().hex[:8]
        log.exception("error %s while handling a Slack %s", ref, req.surface)
        tell(req, f"Sorry — something went wrong (error ref `{ref}`). Please try again; if it persists, give the ref to your admin.")

    def accept(req: SlackRequest, handler: Callable[[SlackRequest], None], private: str | None = None) -> bool:
        """Queue the job behind the access check; when the queue is full, say so instead of dropping it."""

        def job() -> None:
            try:
                why = access.refusal(req, private)
                if why:
                    tell(req, why)
                else:
                    handler(req)
            except Exception as exc:  # never silent: every failure gets a reply
                fail(req, exc)

        if queue.submit(req.key, job):
            return True
        log.warning("queue full (%d waiting): told %s in %s to try again", queue.size, req.user, req.channel or "App Home")
        if req.surface != "command":  # a command's ack carries the message
            overflow.submit(_quietly, tell, req, BUSY)
        return False

    def working(req: SlackRequest):
        return _Reaction(client, req.channel, req.ts)

    # -- surfaces: each adapts a request to the pipeline and renders the result ------------------
    def ask(req: SlackRequest, question: str | None = None) -> None:
        question = req.text if question is None else question
        if not question:
            tell(req, help_message)
            return
        with working(req):
            history = state.thread_questions(req.channel, req.thread_ts) if req.thread_ts else []
            a = answer_fn(question, index=index, posture=posture if access.private_ok(req) else None,
                          history=history, chat_model=chat_model, k=settings.top_k)
            if req.thread_ts:
                state.add_thread_question(req.channel, req.thread_ts, question)
            aid = state.record_answer(req.user, req.channel, question, a.to_json(), [c.chunk_id for c in a.citations])
            post(req, answer_text(a), answer_blocks(a, aid))

    def home(req: SlackRequest) -> None:
        counts: dict[str, int] = {}
        try:
            for pol in index.policies():
                for k, v in gap_report(index, pol, posture).status_counts.items():
                    counts[k] = counts.get(k, 0) + v
        except Exception:
            log.exception("gap summary for App Home failed")
        client.views_publish(user_id=req.user, view=home_view(index.documents(), counts, help_message))

    def upload(req: SlackRequest) -> None:
        if not settings.slack_uploaders and not settings.slack_uploader_group:
            post(req, "Policy uploads are turned off until an admin names who may upload: set POLICYBOT_SLACK_UPLOADERS "
                      "(comma-separated user ids) or POLICYBOT_SLACK_UPLOADER_GROUP, then restart PolicyBot. Nothing was indexed.")
            return
        if not uploader_allowed(req.user):
            post(req, f"<@{req.user}>, only the configured policy uploaders can re-index the policy, so I did not index this file. Nothing changed.")
            return
        for f in req.payload.get("files", []):
            name = escape(f.get("name") or f.get("title") or "upload")
            try:
                info = f if f.get("url_private_download") else client.files_info(file=f["id"])["file"]
                is_pdf = (info.get("filetype") == "pdf") or name.lower().endswith(".pdf") or info.get("mimetype") == "application/pdf"
                if not is_pdf:
                    post(req, f"*{name}* is not a PDF ({escape(str(info.get('filetype') or info.get('mimetype') or 'unknown type'))}), "
                              "so I did not index it. Export the policy to PDF and upload that. Nothing changed.")
                    continue
                if int(info.get("size") or 0) > settings.max_bytes:
                    post(req, f"*{name}* is {int(info['size']) / 1e6:.1f} MB, over the {settings.max_file_mb:.0f} MB limit, so I did not index it. Nothing changed.")
                    continue
                with working(req):
                    data = download(info["url_private_download"], client.token, settings.max_bytes, settings.slack_file_hosts)
                    policy, why = choose_policy(req.text, f.get("name") or "upload", index)
                    previous = [d for d in index.documents(include_superseded=False, kind="policy") if d.policy == policy]
                    r = index.ingest_file(f.get("name") or "upload", policy=policy, data=data, file_name=f.get("name") or "upload",
                                          ingested_by=f"slack:{req.user}")
                    post(req, upload_summary(r, why, index, bool(previous)))
            except USER_ERRORS as exc:
                post(req, f"⚠️ I could not index *{name}*: {escape(str(exc))}. The previous version is still the one I answer from.")

    def uploader_allowed(user: str) -> bool:
        if user in settings.slack_uploaders:
            return True
        if settings.slack_uploader_group:
            try:
                return user in client.usergroups_users_list(usergroup=settings.slack_uploader_group).get("users", [])
            except Exception as exc:
                log.warning("could not read the uploader group (%s)", _slack_error(exc))
        return False

    # -- /policy subcommands: add one here (and it appears in the help) ---------------------------
    def sub_help(req: SlackRequest) -> None:
        tell(req, help_message)

    def sub_ask(req: SlackRequest) -> None:
        if not req.text:
            tell(req, "Usage: `/policy ask &lt;question&gt;`, e.g. `/policy ask does our policy require MFA on email?`")
            return
        ask(req)

    def sub_gaps(req: SlackRequest) -> None:
        pols = [req.text] if req.text else index.policies()
        if not pols:
            raise EmptyIndexError("No policy is indexed yet; upload the policy PDF to me in a DM.")
        for pol in pols:
            md = render_gaps(gap_report(index, pol, posture))
            post(req, trim(escape(md), 3000), text_blocks(md))

    def sub_docs(req: SlackRequest) -> None:
        docs = [d for d in index.documents() if d.kind == "policy"]
        lines = [f"• *{escape(d.policy)}* {escape(d.version)} ({d.status}) — {escape(d.file_name)}, {d.pages} pages, "
                 f"{d.chunks} clauses, indexed {d.ingested_at}" for d in docs]
        tell(req, "\n".join(lines) or "No policy indexed yet.")

    def sub_diff(req: SlackRequest) -> None:
        for pol in [req.text] if req.text else index.policies():
            try:
                v1, v2, changes = diff_versions(index, pol)
            except ValueError as exc:
                tell(req, f"⚠️ {escape(str(exc))}")
                continue
            md = render_diff(pol, v1, v2, changes)
            post(req, trim(escape(md), 3000), text_blocks(md))

    def sub_status(req: SlackRequest) -> None:
        docs = index.documents(include_superseded=False)
        pol = [d for d in docs if d.kind == "policy"]
        tell(req, f"PolicyBot is up. {len(pol)} active policy versions, {len(docs) - len(pol)} guidance documents; "
                  f"answers: {'LLM ' + escape(settings.llm_model) if settings.llm_model else 'extractive (no LLM)'}; "
                  f"embedding model {escape(settings.embedding_model)}; {queue.backlog} requests in progress.")

    def send_incident(user: str, policy: str = "") -> None:
        """The incident playbook of each policy (or the one named), to the user's DM: never to a channel."""
        pols = [policy] if policy else index.policies()
        if not pols:
            raise EmptyIndexError("No policy is indexed yet; upload the policy PDF to me in a DM.")
        for pol in pols:
            md = render_playbook(incident_playbook(index, pol))
            client.chat_postMessage(channel=user, text=trim(escape(md), 3000), blocks=text_blocks(md), unfurl_links=False)

    def sub_incident(req: SlackRequest) -> None:
        send_incident(req.user, req.text)
        if req.channel_type != "im":
            tell(req, "I sent you the incident playbook in our DM.")

    subcommands: dict[str, Subcommand] = {
        "ask": Subcommand(sub_ask, "ask <question>", ack="Reading the policy…"),
        "gaps": Subcommand(sub_gaps, "gaps (DM only)", ack="Reading the policy…",
                           private="The gaps report shows your security posture, so I only send it in a DM with me (or to users in "
                                   "POLICYBOT_SLACK_PRIVATE_USERS). Try `/policy gaps` in our DM."),
        "docs": Subcommand(sub_docs, "docs"),
        "diff": Subcommand(sub_diff, "diff [policy]", ack="Reading the policy…"),
        "incident": Subcommand(sub_incident, "incident (to your DM)", ack="Reading the policy…"),
        "status": Subcommand(sub_status, "status"),
        "help": Subcommand(sub_help, "help"),
    }
    help_message = help_text([s.usage for s in subcommands.values()])

    # -- buttons: action_id -> handler ----------------------------------------------------------
    def on_feedback(req: SlackRequest) -> None:
        action = req.payload["action"]
        state.record_feedback(int(action["value"]), req.user, action["action_id"].split("_", 1)[1])
        tell(req, "Thanks — your feedback was recorded.")

    def on_show_clause(req: SlackRequest) -> None:
        c = index.chunk(req.payload["action"]["value"])
        text = (f"*{escape(c.policy)} {escape(c.version)}* · {escape(c.file_name)} p. {c.page_start}-{c.page_end} · "
                f"{escape(c.section)}\n```{trim(escape(c.text), 2800)}```"
                if c else "That clause is no longer in the index (the policy was re-indexed).")
        post(req, trim(text))

    actions: dict[str, Callable[[SlackRequest], None]] = {
        "feedback_helpful": on_feedback,
        "feedback_unhelpful": on_feedback,
        "show_clause": on_show_clause,
        "incident_playbook": lambda req: send_incident(req.user),  # App Home's "We've been hit"
    }

    # -- cross-cutting (runs in the ack path: no Slack calls here) --------------------------------
    @app.middleware
    def triage(body, next):
        if not isinstance(body, dict) or (body.get("type") not in BOLT_TYPES and "command" not in body):
            log.info("ignored a Slack request of type %r", body.get("type") if isinstance(body, dict) else type(body).__name__)
            return BoltResponse(status=200, body="")
        event_id = body.get("event_id")
        if event_id and not state.first_time(event_id):
            log.info("duplicate delivery of %s ignored", event_id)
            return BoltResponse(status=200, body="")
        return next()

    @app.error
    def on_error(error, request):
        # Only signed requests get here; a body Slack would never send is bad input, not our failure.
        log.warning("rejected a malformed Slack request (%s: %s)", type(error).__name__, error)
        return BoltResponse(status=400, body="malformed request")

    # -- listeners: one function each; build the request, queue the job, return -----------------
    def from_event(event: dict, body: dict, context, surface: str, thread_ts: str | None) -> SlackRequest:
        channel_type = "im" if event.get("channel_type") == "im" else "channel"
        return SlackRequest(surface, event.get("user", ""), event["channel"], channel_type, normalise(event.get("text")),
                            ts=event["ts"], thread_ts=thread_ts, user_team=event.get("user_team"), home_team=home_team(context),
                            shared_hint=body.get("is_ext_shared_channel") is True, payload=event)

    @app.event("app_mention")
    def on_mention(event, body, context):
        req = from_event(event, body, context, "upload" if event.get("files") else "mention", event.get("thread_ts") or event["ts"])
        if req.surface == "mention":
            state.mark_thread(req.channel, req.thread_ts)
        accept(req, upload if event.get("files") else ask)

    @app.event("message")
    def on_message(event, body, context):
        if event.get("bot_id") or event.get("subtype") in IGNORED_SUBTYPES:
            return
        channel_type = event.get("channel_type", "")
        mentioned = context.bot_user_id and f"<@{context.bot_user_id}>" in (event.get("text") or "")
        thread_ts = event.get("thread_ts") or event["ts"]
        if event.get("files") or event.get("subtype") == "file_share":
            if mentioned and channel_type != "im":
                return  # the app_mention event carries the same files
            if channel_type != "im":
                # In channels only PDFs are ours to look at; other shared files are none of our business.
                files = [f for f in event.get("files", []) if (f.get("name") or "").lower().endswith(".pdf") or f.get("filetype") == "pdf"]
                if not files:
                    return
                event = {**event, "files": files}
            accept(from_event(event, body, context, "upload", thread_ts), upload)
            return
        if channel_type == "im":
            accept(from_event(event, body, context, "dm", thread_ts), ask)
        elif not mentioned and event.get("thread_ts") and event["thread_ts"] != event["ts"] and state.is_bot_thread(event["channel"], thread_ts):
            accept(from_event(event, body, context, "thread", thread_ts), ask)
        # else: the app_mention event for this message answers it, or it is not for us

    @app.event("app_home_opened")
    def on_home(event, body, context):
        if event.get("tab", "home") != "home":
            return
        accept(SlackRequest("home", event["user"], "", "home", user_team=event.get("user_team"), home_team=home_team(context),
                            payload=event), home)

    @app.event(re.compile(".*"))
    def on_other_event(event):
        log.debug("ignored %s event", event.get("type"))

    def unknown_subcommand(req: SlackRequest) -> None:
        tell(req, f"Unknown subcommand `{escape(req.payload['text'].split()[0])}`.\n{help_message}")

    @app.command("/policy")
    def on_policy(ack, command, context):
        sub, _, rest = (command.get("text") or "").strip().partition(" ")
        spec = subcommands.get(sub.lower() or "help") or Subcommand(unknown_subcommand, "")
        channel = command["channel_id"]
        req = SlackRequest("command", command["user_id"], channel,
                           "im" if channel.startswith("D") or command.get("channel_name") == "directmessage" else "channel",
                           normalise(rest), home_team=home_team(context), payload=command)
        if not accept(req, spec.run, spec.private):
            ack(text=BUSY)
        elif spec.ack:
            ack(text=spec.ack)
        else:
            ack()  # ack(text=None) raises in slack-bolt

    @app.command(re.compile(".*"))
    def on_other_command(ack, command):
        ack(text=f"I don't handle {escape(command.get('command') or 'that command')}; try `/policy help`.")

    @app.action(re.compile(".*"))
    def on_action(ack, body, action, context):
        ack()
        handler = actions.get(action.get("action_id"))
        if handler is None:
            log.info("ignored unknown action %r", action.get("action_id"))
            return
        channel = (body.get("channel") or {}).get("id", "")
        msg = body.get("message") or {}
        req = SlackRequest("action", body["user"]["id"], channel,
                           "im" if channel.startswith("D") else ("channel" if channel else "home"),
                           thread_ts=msg.get("thread_ts") or msg.get("ts"), user_team=body["user"].get("team_id"),
                           home_team=home_team(context), payload={**body, "action": action})
        accept(req, handler)

    def on_other_interaction(ack, body):
        ack()
        log.info("ignored a %s interaction", body.get("type"))

    for register in (app.view, app.shortcut, app.options):
        register(re.compile(".*"))(on_other_interaction)

    return app


def home_team(context) -> str | None:
    """The workspace the bot is installed in (auth.test), not the one a Slack Connect payload came from."""
    result = context.authorize_result
    return (result.team_id if result is not None else None) or context.team_id


class _Reaction:
    """👀 on the asker's message while we work; failures to react never stop the answer."""

    def __init__(self, client: WebClient, channel: str, ts: str | None) -> None:
        self.client, self.channel, self.ts, self.added = client, channel, ts, False

    def __enter__(self):
        if self.ts and self.channel:
            self.added = _quietly(self.client.reactions_add, channel=self.channel, timestamp=self.ts, name="eyes") is not None
        return self

    def __exit__(self, *exc) -> None:
        if self.added:
            _quietly(self.client.reactions_remove, channel=self.channel, timestamp=self.ts, name="eyes")


def _quietly(fn, *args, **kwargs):
    """Call a best-effort Slack method; log one line on failure and return None."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        log.warning("%s failed (%s)", getattr(fn, "__name__", "a Slack call"), _slack_error(exc))
        return None


def _slack_error(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("error")) if response is not None and hasattr(response, "get") and response.get("error") else type(exc).__name__


def _origin(url: str) -> str:
    u = urllib.parse.urlsplit(url)
    default = {"https": 443, "http": 80}.get(u.scheme.lower())
    port = f":{u.port}" if u.port and u.port != default else ""
    return f"{u.scheme.lower()}://{(u.hostname or '').lower()}{port}"


def download(url: str, token: str | None, max_bytes: int, allowed_hosts: list[str]) -> bytes:
    """Fetch a private Slack file with the bot token, only from `allowed_hosts` origins and never following a
    redirect elsewhere (the token would go with it); refuse anything over `max_bytes`."""
    allowed = {_origin(h) for h in allowed_hosts}
    if _origin(url) not in allowed:
        raise IngestError(f"its download link is not on Slack's file host ({escape(_origin(url))}), so I did not fetch it with the bot's token")

    class SameOrigins(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            if _origin(newurl) not in allowed:
                raise IngestError(f"Slack's file host redirected the download to {escape(_origin(newurl))}, so I did not follow it with the bot's token")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    opener = urllib.request.build_opener(SameOrigins)
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with opener.open(req, timeout=60) as resp:
            data = resp.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise IngestError(f"Slack's file host answered HTTP {exc.code}") from None
    if len(data) > max_bytes:
        raise IngestError(f"the file is over the {max_bytes / 1e6:.0f} MB limit")
    return data


def choose_policy(text: str, file_name: str, index: PolicyIndex) -> tuple[str, str]:
    """The policy an upload belongs to, and a sentence saying how that was chosen."""
    known = index.policies()
    words = text.lower()
    for p in known:
        if p.lower() in words or slugify(p) in slugify(words):
            return p, f"policy *{escape(p)}* (named in your message)"
    m = re.search(r"policy[:=\s]+([\w.-]+)", text, re.I)
    if m:
        return m.group(1), f"policy *{escape(m.group(1))}* (named in your message)"
    if text.strip() and len(text.split()) <= 3:
        name = slugify(text)
        return name, f"new policy *{escape(name)}* (named in your message)"
    name = slugify(file_name.rsplit(".", 1)[0])
    return name, f"policy *{escape(name)}* (from the file name; put the policy name in the message to choose another)"


def upload_summary(r, why: str, index: PolicyIndex, had_previous: bool) -> str:
    """What an upload changed, escaped for Slack (`why` is already escaped)."""
    if r.status == "unchanged":
        return f"*{escape(r.file_name)}* is identical to {escape(r.policy)} {escape(r.version)}, which I already answer from. Nothing changed."
    cc = r.clause_counts
    lines = [
        f"✅ Indexed *{escape(r.file_name)}* as {why}, version *{escape(r.version)}*: {r.pages} pages, {r.chunks} clauses — "
        f"{cc.get('requirement', 0)} requirements, {cc.get('exclusion', 0)} exclusions, {cc.get('limit', 0)} limits, {cc.get('notice', 0)} notice terms."
    ]
    if r.blank_pages:
        lines.append(f"⚠️ Pages without text (scanned pages are not read): {', '.join(map(str, r.blank_pages))}.")
    if had_previous and r.superseded:
        v1, v2, changes = diff_versions(index, r.policy)
        if changes:
            lines.append(f"*Changes from {escape(v1)} to {escape(v2)}:*")
            for c in changes[:12]:
                fig = f": {escape(c.figures_changed())}" if c.figures_changed() else ""
                lines.append(f"• {c.change} {c.clause_type} — {escape(c.section or '—')} (p. {(c.new or c.old).page_start}){fig}")
            if len(changes) > 12:
                lines.append(f"… and {len(changes) - 12} more (`/policy diff {escape(r.policy)}`).")
        else:
            lines.append(f"No requirement, exclusion, limit or notice clause changed from {escape(v1)} to {escape(v2)}.")
    return trim("\n".join(lines))
