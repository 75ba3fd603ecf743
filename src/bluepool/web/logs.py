"""Keep credentials out of the logs: uvicorn's access log prints every request's path with
its query string, and the event stream takes its ticket there (``?ticket=``)."""

from __future__ import annotations

import logging
import re

#: Query parameters whose values are credentials.
SECRET_PARAMS = ("ticket", "access_token", "refresh_token", "token")
_SECRET = re.compile(r"([?&](?:{})=)[^&#\s]*".format("|".join(SECRET_PARAMS)), re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with the value of every credential query parameter replaced by ``***``."""
    return _SECRET.sub(r"\1***", text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message arguments (uvicorn passes the path as one) and its
    message, so no handler or formatter sees a credential."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install(logger_names: tuple[str, ...] = ("uvicorn.access", "uvicorn.error")) -> None:
    """Put the filter on uvicorn's loggers (once; uvicorn's logging set-up keeps it)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
