"""Errors about the index itself; each message is for the user and says what to do."""


class IndexError_(Exception):
    """A problem with the index itself (wrong model, unknown policy…); the message is for the user."""


class ModelMismatchError(IndexError_):
    """The collection was built with another embedding model."""


class UnknownPolicyError(IndexError_):
    """No policy of that name is indexed."""
