"""The Bolt app: listeners that adapt Slack events to the answer pipeline and render its results."""
from __future__ import annotations

import logging
import re
import urllib.request
import uuid
from typing import Callable

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from ingestion.errors import IngestError
from vectorstore.index import IndexError_, PolicyIndex, slugify

from ..config import Settings
from ..pipeline import EmptyIndexError, answer
from ..posture import Posture
from ..incident import incident_playbook, render_playbook
from ..report import diff_versions, gap_report, render_diff, render_gaps
from ..types import Answer
from .blocks import HELP, answer_blocks, answer_text, context, home_view, section, text_blocks, trim
from .state import SlackState

log = logging.getLogger("policybot.slack")
AnswerFn = Callable[..., Answer]
_MENTION = re.compile(r"<@[A-Z0-9]+>")
USER_ERRORS = (IngestError, IndexError_, EmptyIndexError, ValueError)


def create_app(
    settings: Settings,
    *,
    index: PolicyIndex,
    client: WebClient | None = None,
    answer_fn: AnswerFn = answer,
    posture: Posture | None = None,
    chat_model=None,
    state: SlackState | None = None,
) -> App:
    """Build the Bolt app. `answer_fn` is the pipeline (tests may pass one that raises)."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = client or WebClient(token=token, base_url=settings.slack_api_url)
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    app = App(client=client, signing_secret=secret, process_before_response=False, logger=log)
    state = state or SlackState(settings.data_dir / "slack.sqlite3")
    shared_cache: dict[str, bool] = {}

    # -- cross-cutting ----------------------------------------------------------
    @app.middleware
    def dedupe(body, next):
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if event_id and not state.first_time(event_id):
            log.info("duplicate delivery of %s ignored", event_id)
            return BoltResponse(status=200, body="")
        return next()

    def externally_shared(client: WebClient, channel: str) -> bool:
        if channel not in shared_cache:
            try:
                info = client.conversations_info(channel=channel)["channel"]
                shared_cache[channel] = bool(info.get("is_ext_shared") or info.get("is_shared") and not info.get("is_org_shared"))
            except Exception:
                shared_cache[channel] = False
        return shared_cache[channel]

    def refusal(client: WebClient, channel: str, channel_type: str) -> str | None:
        """Why the bot must not answer here, or None."""
        if channel_type == "im":
            return None
        if settings.slack_allowed_channels and channel not in settings.slack_allowed_channels:
            return "I'm not enabled in this channel. An admin can add it to POLICYBOT_SLACK_ALLOWED_CHANNELS, or DM me instead."
        if channel not in settings.slack_allowed_shared_channels and externally_shared(client, channel):
            return "This channel is shared with another organisation, so I won't discuss the policy here. DM me instead."
        return None

    def private_ok(user: str, channel_type: str) -> bool:
        return channel_type == "im" or user in settings.slack_private_users

    def fail(client: WebClient, channel: str, thread_ts: str | None, exc: Exception, user_error: bool = False) -> None:
        if user_error:
            text = f"⚠️ {exc}"
        else:
            ref = uuid.uuid4().hex[:8]
            log.exception("error %s while handling a Slack request", ref)
            text = f"Sorry — something went wrong while answering (error ref `{ref}`). Please try again; if it persists, give the ref to your admin."
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text)

    def respond_answer(client: WebClient, *, user: str, channel: str, channel_type: str, ts: str, thread_ts: str | None, text: str) -> None:
        question = _MENTION.sub("", text or "").strip()
        reply_ts = thread_ts or ts
        why = refusal(client, channel, channel_type)
        if why:
            client.chat_postMessage(channel=channel, thread_ts=reply_ts, text=why)
            return
        if not question:
            client.chat_postMessage(channel=channel, thread_ts=reply_ts, text=HELP)
            return
        reacted = False
        try:
            client.reactions_add(channel=channel, timestamp=ts, name="eyes")
            reacted = True
        except Exception:
            pass
        try:
            history = state.thread_questions(channel, reply_ts)
            a = answer_fn(question, index=index, posture=posture if private_ok(user, channel_type) else None,
                          history=history, chat_model=chat_model, k=settings.top_k)
            state.add_thread_question(channel, reply_ts, question)
            aid = state.record_answer(user, channel, question, a.to_json(), [c.chunk_id for c in a.citations])
            client.chat_postMessage(channel=channel, thread_ts=reply_ts, text=answer_text(a), blocks=answer_blocks(a, aid), unfurl_links=False)
        except USER_ERRORS as exc:
            fail(client, channel, reply_ts, exc, user_error=True)
        except Exception as exc:  # never silent: every failure gets a reply in the thread
            fail(client, channel, reply_ts, exc)
        finally:
            if reacted:
                try:
                    client.reactions_remove(channel=channel, timestamp=ts, name="eyes")
                except Exception:
                    pass

    # -- events -----------------------------------------------------------------
    @app.event("app_mention")
    def on_mention(event, client, context):
        if event.get("files"):
            handle_upload(client, event, context)
            return
        respond_answer(client, user=event.get("user", ""), channel=event["channel"], channel_type=event.get("channel_type", "channel"),
                       ts=event["ts"], thread_ts=event.get("thread_ts"), text=event.get("text", ""))

    @app.event("message")
    def on_message(event, client, context):
        if event.get("bot_id") or event.get("subtype") in ("bot_message", "message_changed", "message_deleted", "channel_join"):
            return
        text = event.get("text", "") or ""
        channel_type = event.get("channel_type", "")
        mentioned = context.bot_user_id and f"<@{context.bot_user_id}>" in text
        if event.get("files") or event.get("subtype") == "file_share":
            if mentioned and channel_type != "im":
                return  # the app_mention event carries the same files
            if channel_type != "im":
                # In channels only PDFs are ours to look at; other shared files are none of our business.
                event = {**event, "files": [f for f in event.get("files", []) if (f.get("name") or "").lower().endswith(".pdf") or f.get("filetype") == "pdf"]}
                if not event["files"]:
                    return
            handle_upload(client, event, context)
            return
        if mentioned and channel_type != "im":
            return  # Slack also sends app_mention for this message; answer once
        if channel_type == "im":
            respond_answer(client, user=event.get("user", ""), channel=event["channel"], channel_type="im",
                           ts=event["ts"], thread_ts=event.get("thread_ts"), text=text)
            return
        thread_ts = event.get("thread_ts")
        if thread_ts and thread_ts != event.get("ts") and state.thread_questions(event["channel"], thread_ts):
            respond_answer(client, user=event.get("user", ""), channel=event["channel"], channel_type=channel_type or "channel",
                           ts=event["ts"], thread_ts=thread_ts, text=text)

    @app.event("app_home_opened")
    def on_home(event, client):
        counts: dict[str, int] = {}
        try:
            for pol in index.policies():
                rep = gap_report(index, pol, posture)
                for k, v in rep.status_counts.items():
                    counts[k] = counts.get(k, 0) + v
        except Exception:
            log.exception("gap summary for App Home failed")
        client.views_publish(user_id=event["user"], view=home_view(index.documents(), counts))

    # -- uploads ----------------------------------------------------------------
    def uploader_allowed(client: WebClient, user: str) -> bool:
        if user in settings.slack_uploaders:
            return True
        if settings.slack_uploader_group:
            try:
                members = client.usergroups_users_list(usergroup=settings.slack_uploader_group).get("users", [])
                return user in members
            except Exception:
                log.exception("could not read uploader group")
        return False

    def handle_upload(client: WebClient, event: dict, context) -> None:
        channel, ts = event["channel"], event["ts"]
        thread_ts = event.get("thread_ts") or ts
        user = event.get("user", "")
        say = lambda text: client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text)  # noqa: E731
        if not settings.slack_uploaders and not settings.slack_uploader_group:
            say("Policy uploads are turned off until an admin names who may upload: set POLICYBOT_SLACK_UPLOADERS "
                "(comma-separated user ids) or POLICYBOT_SLACK_UPLOADER_GROUP, then restart PolicyBot. Nothing was indexed.")
            return
        if not uploader_allowed(client, user):
            say(f"<@{user}>, only the configured policy uploaders can re-index the policy, so I did not index this file. Nothing changed.")
            return
        for f in event.get("files", []):
            name = f.get("name") or f.get("title") or "upload"
            try:
                info = f if f.get("url_private_download") else client.files_info(file=f["id"])["file"]
                is_pdf = (info.get("filetype") == "pdf") or name.lower().endswith(".pdf") or info.get("mimetype") == "application/pdf"
                if not is_pdf:
                    say(f"*{name}* is not a PDF ({info.get('filetype') or info.get('mimetype') or 'unknown type'}), so I did not index it. Export the policy to PDF and upload that. Nothing changed.")
                    continue
                if int(info.get("size") or 0) > settings.max_bytes:
                    say(f"*{name}* is {int(info['size']) / 1e6:.1f} MB, over the {settings.max_file_mb:.0f} MB limit, so I did not index it. Nothing changed.")
                    continue
                client.reactions_add(channel=channel, timestamp=ts, name="eyes")
                data = download(info["url_private_download"], client.token, settings.max_bytes)
                policy, why = choose_policy(_MENTION.sub("", event.get("text") or "").strip(), name, index)
                previous = [d for d in index.documents(include_superseded=False, kind="policy") if d.policy == policy]
                r = index.ingest_file(name, policy=policy, data=data, file_name=name, ingested_by=f"slack:{user}")
                say(upload_summary(r, why, index, bool(previous)))
            except USER_ERRORS as exc:
                say(f"⚠️ I could not index *{name}*: {exc}. The previous version is still the one I answer from.")
            except Exception as exc:
                fail(client, channel, thread_ts, exc)
            finally:
                try:
                    client.reactions_remove(channel=channel, timestamp=ts, name="eyes")
                except Exception:
                    pass

    # -- /policy ------------------------------------------------------------------
    def ack_policy(ack, command):
        sub = (command.get("text") or "").strip().split(" ", 1)[0].lower()
        ack(text="Reading the policy…" if sub in ("ask", "gaps", "diff", "incident") else None)

    def run_policy(command, client: WebClient):
        text = (command.get("text") or "").strip()
        sub, _, rest = text.partition(" ")
        sub = sub.lower()
        channel, user = command["channel_id"], command["user_id"]
        channel_type = "im" if channel.startswith("D") or command.get("channel_name") == "directmessage" else "channel"
        ephemeral = lambda **kw: client.chat_postEphemeral(channel=channel, user=user, **kw)  # noqa: E731
        try:
            if sub in ("", "help"):
                ephemeral(text=HELP)
            elif sub == "ask":
                if not rest.strip():
                    ephemeral(text="Usage: `/policy ask <question>`, e.g. `/policy ask does our policy require MFA on email?`")
                    return
                why = refusal(client, channel, channel_type)
                if why:
                    ephemeral(text=why)
                    return
                a = answer_fn(rest.strip(), index=index, posture=posture if private_ok(user, channel_type) else None,
                              chat_model=chat_model, k=settings.top_k)
                aid = state.record_answer(user, channel, rest.strip(), a.to_json(), [c.chunk_id for c in a.citations])
                client.chat_postMessage(channel=channel, text=answer_text(a), blocks=answer_blocks(a, aid),
                                        unfurl_links=False)
            elif sub == "gaps":
                if not private_ok(user, channel_type):
                    ephemeral(text="The gaps report shows your security posture, so I only send it in a DM with me (or to users in POLICYBOT_SLACK_PRIVATE_USERS). Try `/policy gaps` in our DM.")
                    return
                pols = [rest.strip()] if rest.strip() else index.policies()
                if not pols:
                    raise EmptyIndexError("No policy is indexed yet; upload the policy PDF to me in a DM.")
                for pol in pols:
                    md = render_gaps(gap_report(index, pol, posture))
                    client.chat_postMessage(channel=channel, text=trim(md, 3000), blocks=text_blocks(md))
            elif sub == "docs":
                docs = [d for d in index.documents() if d.kind == "policy"]
                lines = [f"• *{d.policy}* {d.version} ({d.status}) — {d.file_name}, {d.pages} pages, {d.chunks} clauses, indexed {d.ingested_at}" for d in docs]
                ephemeral(text="\n".join(lines) or "No policy indexed yet.")
            elif sub == "diff":
                pols = [rest.strip()] if rest.strip() else index.policies()
                for pol in pols:
                    try:
                        v1, v2, changes = diff_versions(index, pol)
                    except ValueError as exc:
                        ephemeral(text=f"⚠️ {exc}")
                        continue
                    md = render_diff(pol, v1, v2, changes)
                    client.chat_postMessage(channel=channel, text=trim(md, 3000), blocks=text_blocks(md))
            elif sub == "incident":
                # The playbook goes to the DM (or this DM), never to a shared channel.
                send_incident(client, user, rest.strip())
                if channel_type != "im":
                    ephemeral(text="I sent you the incident playbook in our DM.")
            elif sub == "status":
                docs = index.documents(include_superseded=False)
                pol = [d for d in docs if d.kind == "policy"]
                ephemeral(text=f"PolicyBot is up. {len(pol)} active policy versions, {len(docs) - len(pol)} guidance documents; "
                               f"answers: {'LLM ' + settings.llm_model if settings.llm_model else 'extractive (no LLM)'}; "
                               f"embedding model {settings.embedding_model}.")
            else:
                ephemeral(text=f"Unknown subcommand `{sub}`.\n{HELP}")
        except USER_ERRORS as exc:
            ephemeral(text=f"⚠️ {exc}")
        except Exception as exc:
            ref = uuid.uuid4().hex[:8]
            log.exception("error %s in /policy", ref)
            ephemeral(text=f"Sorry — something went wrong (error ref `{ref}`).")

    app.command("/policy")(ack=ack_policy, lazy=[run_policy])

    # -- incident playbook ("We've been hit") ----------------------------------------
    def send_incident(client: WebClient, user: str, policy: str = "") -> None:
        """Post the playbook of each policy (or the one named) to the user's DM with the bot."""
        pols = [policy] if policy else index.policies()
        if not pols:
            raise EmptyIndexError("No policy is indexed yet; upload the policy PDF to me in a DM.")
        for pol in pols:
            md = render_playbook(incident_playbook(index, pol))
            client.chat_postMessage(channel=user, text=trim(md, 3000), blocks=text_blocks(md), unfurl_links=False)

    @app.action("incident_playbook")
    def on_incident_button(ack, body, client):
        ack()
        user = body["user"]["id"]
        try:
            send_incident(client, user)
        except USER_ERRORS as exc:
            client.chat_postMessage(channel=user, text=f"⚠️ {exc}")

    # -- buttons ------------------------------------------------------------------
    @app.action(re.compile(r"^feedback_(helpful|unhelpful)$"))
    def on_feedback(ack, body, action, client):
        ack()
        verdict = action["action_id"].split("_", 1)[1]
        state.record_feedback(int(action["value"]), body["user"]["id"], verdict)
        ch = body.get("channel", {}).get("id")
        if ch:
            client.chat_postEphemeral(channel=ch, user=body["user"]["id"], text="Thanks — your feedback was recorded.")

    @app.action("show_clause")
    def on_show_clause(ack, body, action, client):
        ack()
        c = index.chunk(action["value"])
        ch = body.get("channel", {}).get("id")
        msg = body.get("message", {})
        text = (f"*{c.policy} {c.version}* · {c.file_name} p. {c.page_start}-{c.page_end} · {c.section}\n```{trim(c.text, 2800)}```"
                if c else "That clause is no longer in the index (the policy was re-indexed).")
        client.chat_postMessage(channel=ch, thread_ts=msg.get("thread_ts") or msg.get("ts"), text=trim(text))

    return app


def download(url: str, token: str | None, max_bytes: int) -> bytes:
    """Fetch a private Slack file with the bot token, refusing anything over `max_bytes`."""
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - URL comes from Slack's file object
        data = resp.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise IngestError(f"the file is over the {max_bytes / 1e6:.0f} MB limit")
    return data


def choose_policy(text: str, file_name: str, index: PolicyIndex) -> tuple[str, str]:
    """The policy an upload belongs to, and a sentence saying how that was chosen."""
    known = index.policies()
    words = text.lower()
    for p in known:
        if p.lower() in words or slugify(p) in slugify(words):
            return p, f"policy *{p}* (named in your message)"
    m = re.search(r"policy[:=\s]+([\w.-]+)", text, re.I)
    if m:
        return m.group(1), f"policy *{m.group(1)}* (named in your message)"
    if text.strip() and len(text.split()) <= 3:
        name = slugify(text)
        return name, f"new policy *{name}* (named in your message)"
    name = slugify(file_name.rsplit(".", 1)[0])
    return name, f"policy *{name}* (from the file name; put the policy name in the message to choose another)"


def upload_summary(r, why: str, index: PolicyIndex, had_previous: bool) -> str:
    if r.status == "unchanged":
        return f"*{r.file_name}* is identical to {r.policy} {r.version}, which I already answer from. Nothing changed."
    cc = r.clause_counts
    lines = [
        f"✅ Indexed *{r.file_name}* as {why}, version *{r.version}*: {r.pages} pages, {r.chunks} clauses — "
        f"{cc.get('requirement', 0)} requirements, {cc.get('exclusion', 0)} exclusions, {cc.get('limit', 0)} limits, {cc.get('notice', 0)} notice terms."
    ]
    if r.blank_pages:
        lines.append(f"⚠️ Pages without text (scanned pages are not read): {', '.join(map(str, r.blank_pages))}.")
    if had_previous and r.superseded:
        v1, v2, changes = diff_versions(index, r.policy)
        if changes:
            lines.append(f"*Changes from {v1} to {v2}:*")
            for c in changes[:12]:
                fig = f": {c.figures_changed()}" if c.figures_changed() else ""
                lines.append(f"• {c.change} {c.clause_type} — {c.section or '—'} (p. {(c.new or c.old).page_start}){fig}")
            if len(changes) > 12:
                lines.append(f"… and {len(changes) - 12} more (`/policy diff {r.policy}`).")
        else:
            lines.append(f"No requirement, exclusion, limit or notice clause changed from {v1} to {v2}.")
    return trim("\n".join(lines))
