"""The lab's own machinery inside the server, which AWS does not have: the gateway (the
witness that records every call of a run, the nemesis that answers with the run's faults,
and the control API the runner registers runs with), the HTTP reading of requests both use
(``protocol``), and the AWS-like delivery mode (``delivery``: standard queues that duplicate
and reorder, when a run's faults ask for it).
"""
