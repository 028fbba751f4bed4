"""The function log: records written whole to fd 1, and the error report of a failed init or invoke.

Each record is one write of one line: line breaks inside it become `\\r`, so that a multi-line
message (a traceback) stays one log record, as Lambda's log frames keep it. No import of
`logging` or `json` here: a healthy cold start needs neither.
"""
import os
import time

# The invocation being handled ('' during init, None for the tenant), read by every log record.
request_id = ""
tenant_id = None

JSON_FORMAT = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"

# Indentation of traceback lines in a Text error record: no-break spaces, as Lambda writes them.
_INDENT = "\u00a0"


def write_record(text):
    """One record, one line, one write on fd 1 (not sys.stdout, which the user may replace)."""
    line = text.rstrip("\n").replace("\r\n", "\r").replace("\n", "\r") + "\n"
    data = line.encode("utf-8", "backslashreplace")
    while data:
        written = os.write(1, data)
        data = data[written:]


def to_json(value):
    """Lambda's encoding of results and error objects (docs/python-handler.md, "Results")."""
    import json

    # Lambda's python3.12 client alone writes non-ASCII characters as they are.
    ascii_only = os.environ.get("AWS_EXECUTION_ENV") != "AWS_Lambda_python3.12"
    return json.dumps(value, ensure_ascii=ascii_only, default=_decimal)


def _decimal(value):
    """Decimal (what boto3 reads from DynamoDB) as a JSON number; anything else cannot be encoded."""
    decimal = __import__("sys").modules.get("decimal")
    if decimal is not None and isinstance(value, decimal.Decimal):
        if value.is_nan():
            return float("nan")
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _indented(line):
    stripped = line.lstrip(" ")
    return _INDENT * (len(line) - len(stripped)) + stripped


def log_error(error):
    """The error of a failed init or invocation, as Lambda's Python runtime logs it."""
    if JSON_FORMAT:
        record = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()), "level": "ERROR", **error}
        write_record(to_json(record))
        return
    head = "[ERROR]"
    if error["errorType"]:
        head += " " + error["errorType"] + (":" if error["errorMessage"] else "")
    if error["errorMessage"]:
        head += " " + error["errorMessage"]
    lines = [head, "Traceback (most recent call last):"]
    for frame in error["stackTrace"]:
        lines.extend(_indented(line) for line in frame.splitlines() or [""])
    write_record("\r".join(lines))


def iso_time(seconds):
    """`2026-11-29T10:00:00.123Z`."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds * 1000) % 1000:03d}Z"
