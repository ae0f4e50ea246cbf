"""What keeps the embedded server fast: the same answers as moto's, for less work. Nothing
here changes what a call answers (each module's test holds it to moto's answers), and nothing
here imports ``behaviour`` or ``lab``.

- ``store``: call cost flat with queue depth (message store, handle index, lazy counts);
- ``scan``: a DynamoDB Scan page costs about its own size (moto sorts the table per page);
- ``expressions``: a DynamoDB condition expression parsed once per request, not twice;
- ``dispatch``: SQS and DynamoDB requests routed without moto's per-request lookups;
- ``methods``: a response class's method names read once, not per request;
- ``wire``: request headers read without the email parser;
- ``connections``: connections kept open, an answer's headers sent with its body.
"""
