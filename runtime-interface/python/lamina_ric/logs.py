"""`logging` into the function log in Lambda's Text and JSON formats (docs/python-handler.md).

Each record is one write of one line to the runtime's stdout: line breaks inside it become `\\r`,
so that a multi-line message (a traceback) stays one log record, as on Lambda.
"""
import json
import logging
import os
import time

# The request being handled ('' during init), read by every record.
current_request_id = ""

# What `AWS_LAMBDA_LOG_LEVEL` may say, in Python's own levels (TRACE has none: DEBUG's below).
_LEVELS = {"TRACE": 5, "DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARN": logging.WARNING, "ERROR": logging.ERROR, "FATAL": logging.CRITICAL}

# Attributes every LogRecord has: whatever else a record carries came from `extra=`.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "aws_request_id"}


def write_record(text):
    """One record, one line, one write on fd 1 (not sys.stdout, which the user may replace)."""
    line = text.rstrip("\n").replace("\r\n", "\r").replace("\n", "\r") + "\n"
    data = line.encode("utf-8", "backslashreplace")
    while data:
        written = os.write(1, data)
        data = data[written:]


def iso_time(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds * 1000) % 1000:03d}Z"


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = current_request_id
        return True


class TextFormatter(logging.Formatter):
    """`[LEVEL]\\t<ISO time>\\t<request id>\\t<message>`."""

    def format(self, record):
        text = f"[{record.levelname}]\t{iso_time(record.created)}\t{current_request_id}\t{record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class JsonFormatter(logging.Formatter):
    """One JSON object: timestamp, level, message, logger, requestId, any `extra=` fields, and the error's."""

    def format(self, record):
        entry = {"timestamp": iso_time(record.created), "level": record.levelname, "message": record.getMessage(), "logger": record.name}
        if current_request_id:
            entry["requestId"] = current_request_id
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in entry:
                entry[key] = value
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            entry["errorType"] = type(error).__name__
            entry["errorMessage"] = str(error)
            entry["stackTrace"] = self.formatException(record.exc_info).split("\n")
        return json.dumps(entry, default=str)


class _LambdaHandler(logging.Handler):
    def emit(self, record):
        try:
            write_record(self.format(record))
        except Exception:  # a log call never breaks the handler, as logging's own handlers promise
            self.handleError(record)


def log_format():
    return "JSON" if os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON" else "Text"


def install():
    """Give the root logger Lambda's handler (so `basicConfig` is a no-op there too) and its level."""
    handler = _LambdaHandler()
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    if log_format() == "JSON":
        handler.setFormatter(JsonFormatter())
        # With JSON logs the application log level applies (INFO unless AWS_LAMBDA_LOG_LEVEL says).
        root.setLevel(_LEVELS.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "INFO").upper(), logging.INFO))
    else:
        handler.setFormatter(TextFormatter())
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)


def log_error(error):
    """The error of a failed init or invocation, as Lambda writes it into the function log."""
    if log_format() == "JSON":
        entry = {"timestamp": iso_time(time.time()), "level": "ERROR", "message": error["errorMessage"], "logger": "root"}
        if current_request_id:
            entry["requestId"] = current_request_id
        entry.update({"errorType": error["errorType"], "errorMessage": error["errorMessage"], "stackTrace": error["stackTrace"]})
        write_record(json.dumps(entry))
        return
    text = f"[ERROR] {error['errorType']}: {error['errorMessage']}\nTraceback (most recent call last):\n" + "".join(error["stackTrace"])
    write_record(text)
