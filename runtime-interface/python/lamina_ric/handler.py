"""Finding the handler named by `_HANDLER`: `file.function`, `dir/file.function`, `pkg.mod.function`."""
import importlib
import sys

from .errors import FaultError


def load_handler(handler):
    """The callable, or a FaultError with Lambda's init error type and message."""
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as error:
        raise FaultError("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {error}") from None
    module_name = module_name.replace("/", ".")
    if module_name in sys.builtin_module_names:
        raise FaultError("Runtime.BuiltInModuleConflict", f"Cannot use built-in module {module_name} as a handler module")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as error:
        raise FaultError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}", error.__traceback__) from None
    except ImportError as error:
        raise FaultError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}", error.__traceback__) from None
    # Any other exception raised by the module's init code is the user's own error (its own type).
    function = getattr(module, function_name, None)
    if function is None:
        raise FaultError("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
    return function
