"""The one error type for input a reader can fix: a file, a setting, a model name, a checkpoint.

The command line prints these as one `error:` line instead of a traceback.
"""


class InputError(ValueError):
    """Bad input, with a message that names it and says how to fix it."""


class MissingFileError(InputError, FileNotFoundError):
    """A file named in the input that does not exist."""
