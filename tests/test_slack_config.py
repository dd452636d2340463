"""Every list setting reads `A,B` and JSON from the environment (issue 9, item 15)."""
import pytest
from pydantic import ValidationError

from bot.config import Settings

LIST_SETTINGS = ["slack_allowed_channels", "slack_allowed_shared_channels", "slack_uploaders", "slack_private_users", "slack_file_hosts"]


@pytest.mark.parametrize("field", LIST_SETTINGS)
@pytest.mark.parametrize(
    "raw, expected",
    [
        ("U012ABCDEF", ["U012ABCDEF"]),
        ("U1,U2", ["U1", "U2"]),
        (" U1 , U2 ,", ["U1", "U2"]),
        ('["U1", "U2"]', ["U1", "U2"]),
        ("", []),
    ],
)
def test_list_setting_from_environment(monkeypatch, field, raw, expected):
    monkeypatch.setenv(f"POLICYBOT_{field.upper()}", raw)
    assert getattr(Settings(), field) == expected


def test_readme_example_and_defaults(monkeypatch):
    monkeypatch.setenv("POLICYBOT_SLACK_UPLOADERS", "U012ABCDEF")
    s = Settings()
    assert s.slack_uploaders == ["U012ABCDEF"]
    assert s.slack_allowed_channels == [] and s.slack_file_hosts == ["https://files.slack.com"]


@pytest.mark.parametrize(
    "env, field, expected",
    [
        ("POLICYBOT_SLACK_WORKERS", "slack_workers", 7),
        ("POLICYBOT_SLACK_QUEUE_SIZE", "slack_queue_size", 9),
        ("POLICYBOT_SLACK_DRAIN_SECONDS", "slack_drain_seconds", 3.5),
        ("POLICYBOT_SLACK_CHANNEL_CACHE_SECONDS", "slack_channel_cache_seconds", 0.0),
        ("POLICYBOT_SLACK_API_RETRIES", "slack_api_retries", 0),
    ],
)
def test_number_settings_from_environment(monkeypatch, env, field, expected):
    monkeypatch.setenv(env, str(expected))
    assert getattr(Settings(), field) == expected


def test_bad_values_are_named(monkeypatch):
    monkeypatch.setenv("POLICYBOT_SLACK_WORKERS", "0")
    with pytest.raises(ValidationError, match="slack_workers"):
        Settings()
    monkeypatch.delenv("POLICYBOT_SLACK_WORKERS")
    monkeypatch.setenv("POLICYBOT_SLACK_UPLOADERS", '["U1"')
    with pytest.raises(Exception, match="slack_uploaders|JSON|Expecting"):
        Settings()
