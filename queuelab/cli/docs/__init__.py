"""The documentation generator: the pages of ``docs/`` that are made from the declarations
(the scenarios, the knobs, the ``queuelab`` command, the SQS semantics, the ledger), never
written by hand.

``python -m queuelab.cli.docs`` (``make docs-gen``) writes them; ``tests/unit/test_docs.py``
fails when one is stale. Nothing imports this package. ``declarations.py`` is the one module
that reads a scenario's declaration; the others turn what it read into Markdown (pure), and
``pages.write`` is the one function that writes files.
"""
