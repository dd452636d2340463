"""The Slack surface: adapts events to the answer pipeline and renders its results."""
