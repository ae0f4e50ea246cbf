"""The Lambda service on loopback: an SQS event source mapping (ESM) and the execution
environments of its function, faithful to the AWS Lambda developer guide rule by rule.

Started as its own process, ``python -m queuelab.esm`` (``command.py`` says its arguments;
``main.start(Command(...), env)`` is the one call that starts it). Pure modules: the
function's and the mapping's configuration and the checks CreateEventSourceMapping makes
(``function.py``, ``mapping.py``, ``errors.py``), the event's records (``records.py``),
batching (``batching.py``), the partial batch response table (``responses.py``), the
concurrency ramp (``scaling.py``), FIFO group order (``fifo.py``), the command line
(``command.py``). I/O: the Runtime API (``runtime_api.py``), an execution environment
(``environment.py``), the warm pool (``pool.py``), the queue (``source.py``), one invocation
(``invoker.py``), a poller (``poller.py``), the service (``service.py``), the process
(``main.py``).
"""
