"""Errors for input we cannot read; each message says what is wrong and what to do."""


class IngestError(Exception):
    """A document could not be read. The message is meant for the user."""


class NotAPDFError(IngestError):
    pass


class EncryptedPDFError(IngestError):
    pass


class CorruptPDFError(IngestError):
    pass


class TooLargeError(IngestError):
    pass


class TooSlowError(IngestError):
    """Reading the file went over its time budget."""


class NoTextError(IngestError):
    pass


class UnsupportedFileError(IngestError):
    pass
