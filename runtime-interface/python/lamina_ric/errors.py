"""The error JSON Lambda's Python runtime answers with, and the init errors it names."""
import os
import traceback

# Frames of the client itself are not the user's business: left out of stack traces.
_OWN_DIR = os.path.dirname(os.path.abspath(__file__))


class FaultError(Exception):
    """An error of the runtime's own (`Runtime.*`), with Lambda's type and message."""

    def __init__(self, error_type, message, tb=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.tb = tb


def stack_trace(tb):
    """Lambda's `stackTrace`: one `  File "...", line N, in f\\n    code\\n` string per user frame."""
    frames = [frame for frame in traceback.extract_tb(tb) if not frame.filename.startswith(_OWN_DIR + os.sep)]
    return traceback.format_list(frames)


def error_json(exception, request_id=None):
    """The error object posted to `/error` or `/init/error`."""
    if isinstance(exception, FaultError):
        error = {"errorMessage": exception.message, "errorType": exception.error_type}
        tb = exception.tb
    else:
        error = {"errorMessage": str(exception), "errorType": type(exception).__name__}
        tb = exception.__traceback__
    if request_id is not None:
        error["requestId"] = request_id
    error["stackTrace"] = stack_trace(tb) if tb is not None else []
    return error
