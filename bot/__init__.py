"""PolicyBot: the answer pipeline, the CLI and the Slack app."""
