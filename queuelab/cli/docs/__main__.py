"""``python -m queuelab.cli.docs``: write the generated pages of docs/ (``make docs-gen``)."""

from __future__ import annotations

from queuelab.cli.docs.pages import write


def main() -> None:
    touched = write()
    for path in touched:
        print(f"wrote {path}")
    print(f"{len(touched)} generated files changed" if touched else "generated files up to date")


if __name__ == "__main__":
    main()
