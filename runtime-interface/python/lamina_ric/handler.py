"""Finding the handler named by `_HANDLER`: `file.function`, `dir/file.function`, `pkg.mod.function`.

The init errors and their messages are those of Lambda's own Python client (docs/python-handler.md).
"""
import sys

from .errors import FaultError


def load_handler(handler):
    """The handler (any attribute: calling it is the invocation's business), or a FaultError."""
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as error:
        raise FaultError("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {error}") from None
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise FaultError("Runtime.BuiltInModuleConflict", f"Cannot use built-in module {module_name} as a handler module")
    dotted = module_name.replace("/", ".")
    try:
        # __import__ then sys.modules: what importlib.import_module does for an absolute name,
        # without importing the importlib package at every start.
        __import__(dotted)
        module = sys.modules[dotted]
    except ImportError as error:
        raise FaultError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}") from None
    except SyntaxError as error:
        trace = [f'  File "{error.filename}" Line {error.lineno}\n    {error.text}']
        raise FaultError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}", trace) from None
    # Any other exception raised by the module's init code is the user's own error (its own type).
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise FaultError("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'") from None
