"""The error JSON Lambda's Python runtime answers with, and the init errors it names.

`traceback` is imported only when an error is reported: a healthy start never needs it.
"""
import os

# Frames of the client itself are not the user's business: left out of stack traces.
_OWN_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class FaultError(Exception):
    """An error of the runtime's own (`Runtime.*`): Lambda's type, message and (usually empty) trace."""

    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


def stack_trace(tb):
    """Lambda's `stackTrace`: one `  File "...", line N, in f\\n    code\\n` string per frame.

    The client's own frames are dropped; the import machinery's stay (as on Lambda, where an
    exception raised by a module's init code shows importlib's frames above the module's).
    """
    import traceback

    frames = [frame for frame in traceback.extract_tb(tb) if not frame.filename.startswith(_OWN_DIR)]
    return traceback.format_list(frames)


def error_json(exception, request_id=""):
    """The error object posted to `/error` (with the request id) or `/init/error` (with "")."""
    if isinstance(exception, FaultError):
        message, error_type, trace = exception.message, exception.error_type, exception.trace
    else:
        message, error_type = str(exception), type(exception).__name__
        trace = stack_trace(exception.__traceback__)
    return {"errorMessage": message or "", "errorType": error_type or "", "requestId": request_id or "", "stackTrace": trace or []}
