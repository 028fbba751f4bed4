"""The `logging` module into the function log, in Lambda's Text and JSON formats (docs/python-handler.md).

Importing `logging` costs a cold start about 10 ms (it pulls in re, traceback, string, threading),
so the client does not: `watch()` puts a finder on `sys.meta_path` that gives the root logger
Lambda's handler the moment anything imports `logging` (the user's code, a library, or the client
itself when it must log a warning), before the importer's next line runs. `logging.basicConfig()`
is then a no-op, as on Lambda.
"""
import sys

from . import output

_LEVELS_FROM_ENV = {"TRACE": "DEBUG"}


def _install(logging):
    import time

    # Lambda's runtime sets this for every formatter: `%(asctime)s` is UTC in user formatters too.
    logging.Formatter.converter = time.gmtime
    handler = _handler_class(logging)()
    handler.addFilter(_RequestFilter())
    if output.JSON_FORMAT:
        handler.setFormatter(_json_formatter_class(logging)())
    else:
        handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n", "%Y-%m-%dT%H:%M:%S"))
    root = logging.getLogger()
    root.addHandler(handler)
    level = _level_from_env(logging)
    if level is not None:
        root.setLevel(level)


def _level_from_env(logging):
    """`AWS_LAMBDA_LOG_LEVEL` as a level name logging knows (TRACE is DEBUG); INFO for JSON without it."""
    import os

    name = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    if name is None:
        return "INFO" if output.JSON_FORMAT else None
    name = _LEVELS_FROM_ENV.get(name.upper(), name.upper())
    return name if isinstance(logging.getLevelName(name), int) else None


class _RequestFilter:
    """Every record learns the invocation it belongs to (a filter may be any object with `filter`)."""

    def filter(self, record):
        record.aws_request_id = output.request_id
        record.tenant_id = output.tenant_id
        return True


def _handler_class(logging):
    class LambdaHandler(logging.Handler):
        def emit(self, record):
            try:
                output.write_record(self.format(record))
            except Exception:  # a log call never breaks the handler, as logging's own handlers promise
                self.handleError(record)

    return LambdaHandler


# LogRecord attributes that are not the user's `extra=` fields.
_RESERVED = frozenset(("name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info", "exc_text",
                       "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread", "threadName",
                       "processName", "process", "aws_request_id", "tenant_id"))


def _json_formatter_class(logging):
    import json
    import traceback

    encode = json.JSONEncoder(ensure_ascii=False, default=str).encode

    class JsonFormatter(logging.Formatter):
        """Lambda's keys: timestamp, level, message, logger, the exception's, requestId, location, extras."""

        def format(self, record):
            # Levels are rounded down to logging's named ones (a custom 25 is INFO), as on Lambda.
            record.levelno = min(50, max(0, record.levelno)) // 10 * 10
            record.levelname = logging.getLevelName(record.levelno)
            exc_info = record.exc_info
            entry = {
                "timestamp": output.iso_time(record.created),
                "level": record.levelname,
                "message": record.getMessage(),
                "logger": record.name,
                "stackTrace": traceback.format_tb(exc_info[2]) if exc_info else None,
                "errorType": exc_info[0].__name__ if exc_info else None,
                "errorMessage": str(exc_info[1]) if exc_info else None,
                "requestId": getattr(record, "aws_request_id", None),
                "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc_info else None,
            }
            if getattr(record, "tenant_id", None) is not None:
                entry["tenantId"] = record.tenant_id
            entry.update((key, value) for key, value in vars(record).items() if key not in _RESERVED and key not in entry)
            return encode({key: value for key, value in entry.items() if value is not None})

    return JsonFormatter


class _Loader:
    """Runs logging's own loader, then installs Lambda's handler."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        # A `logging.py` of the function's own shadows the standard one here (on Lambda the runtime
        # imported the standard one first): then there is no logging to install into.
        if hasattr(module, "Handler") and hasattr(module, "getLogger"):
            _install(module)

    def __getattr__(self, name):  # get_source, get_resource_reader...: logging's loader answers
        return getattr(self._loader, name)


class _Finder:
    """On `sys.meta_path`: finds `logging` through the finders after it, and wraps its loader."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != "logging":
            return None
        sys.meta_path.remove(cls)  # once only, and no recursion into ourselves
        for finder in sys.meta_path:
            spec = finder.find_spec(name, path, target) if hasattr(finder, "find_spec") else None
            if spec is not None:
                spec.loader = _Loader(spec.loader)
                return spec
        return None


def watch():
    """Install Lambda's handler now if `logging` is loaded already, else when it is imported."""
    if "logging" in sys.modules:
        _install(sys.modules["logging"])
    else:
        sys.meta_path.insert(0, _Finder)
