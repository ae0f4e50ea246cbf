"""The pipeline's processes, small pieces to copy: an order service with a transactional
outbox (``orders``), the outbox relay (``relay``) and a resumable upstream poller with a lease
lock (``poller``). ``python -m pipeline COMMAND``; knobs in ``queuelab.contract.pipeline_knobs``.

Like the consumer, each stops gracefully at the first SIGTERM (it finishes what it has in
hand: an order, an outbox item, a page) and at once at the second. Faults are in
``pipeline/chaos.py``; the negative controls' parts (a dual write, no lock, the cursor
stored before the send) are chosen in ``pipeline/wiring.py``. Imports only
``queuelab.contract`` from queuelab.
"""
