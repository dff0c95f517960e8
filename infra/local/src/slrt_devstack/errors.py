"""The one error the local stack raises: something a person must fix, said plainly."""


class StackError(RuntimeError):
    """The local stack cannot start; the message says why and what to do."""
