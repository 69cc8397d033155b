"""Errors whose message is the one line a user needs: the cause, the place and the fix."""


class LianjianError(Exception):
    """Base of every error Lianjian reports to a user without a stack trace."""


class SetupError(LianjianError):
    """The local Neo4j could not be installed, started or stopped."""


class ConnectionFailed(LianjianError):
    """Neo4j could not be reached or refused the credentials."""
