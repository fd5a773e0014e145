"""Errors of the CLI and orchestration layer."""


class UsageError(Exception):
    """A mistake by the person at the command line: printed as one line, exit code 2."""
