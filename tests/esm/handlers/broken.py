"""A handler module that cannot be imported: an init error."""

raise ImportError("a dependency is missing")


def handler(event: object, context: object) -> None:
    return None
