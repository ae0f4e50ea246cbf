"""lease-expiry: an idempotency lease shorter than the work lets a second consumer take over."""

from __future__ import annotations

from queuelab.contract.messages import ORDER_FIELD
from scenarios import kit
from scenarios.shared.leases import claim_attempts, consumers_polling, double_submit, work_ended


class Lease(kit.Metrics):
    late_claims = kit.metric(
        "claims another consumer tried on a key whose holder was still working, after a lease "
        "of lease_factor visibility timeouts would have ended (a fixed lease lets them in); "
        "for a consumer judged from outside, its keyed side-effect requests"
    )
    takeovers = kit.metric("those that acquired the claim (a request: that were let in)")
    longer_leases = kit.metric(
        "receives that asked for a visibility timeout of their own, longer than the queue's"
    )


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    visibility = lab.resources.visibility_timeout
    work = p["work_factor"] * visibility
    lease = p["lease_factor"] * visibility
    lab.note(
        f"work takes {work:g} s; "
        + (f"the claim's lease is a fixed {lease:g} s" if unsafe else "the claim's lease "
           "follows the message's visibility, renewed by the heartbeat")
    )  # fmt: skip
    knobs = kit.ConsumerKnobs(
        max_messages=1,
        side_effect_delay_seconds=work,
        heartbeat_seconds=p["heartbeat_factor"] * visibility,
        business_idempotency_field=ORDER_FIELD,
        check_before_doing="off",  # the downstream cannot be asked (an email, say)
        idempotency_lease="fixed" if unsafe else "visibility",
        idempotency_lease_seconds=lease,
    )
    names = [lab.consumer(knobs).name for _ in range(p["consumers"])]

    def polling() -> bool:  # a long poll under way counts
        return consumers_polling(lab.history(), names, lab.receiving())

    lab.wait_for(polling, 20, "every consumer polling")
    # Each order twice, a moment apart (a double submit): one message a send, so each copy
    # goes to a consumer waiting for it, whatever batch it asks for.
    lab.producer(double_submit(p["orders"]))
    lab.settle()


def measure(run: kit.Measured) -> dict[str, float]:
    lease = run.params["lease_factor"] * run.visibility_timeout
    late = takeovers = 0
    for claims in claim_attempts(run.history).values():
        holder = next((c for c in claims if c.outcome == "acquired"), None)
        if holder is None:
            continue
        # The holder's work ended with its side effect.
        ended = work_ended(run.history, holder.process, holder.message)
        working_until = float("inf") if ended is None else ended
        for claim in claims:
            if claim.process != holder.process and (
                holder.taken + lease < claim.started < working_until
            ):
                late += 1
                takeovers += claim.outcome == "acquired"
    longer = sum(
        1
        for op in run.history
        if op.f == kit.Fn.RECEIVE and op.type == kit.OK and op.value.get("messages")
        and kit.lease_seconds(op, run.visibility_timeout) > run.visibility_timeout
    )  # fmt: skip
    return {Lease.late_claims: late, Lease.takeovers: takeovers, Lease.longer_leases: longer}


SCENARIO = kit.Scenario(
    name="lease-expiry",
    topic=kit.Topic.CONSUMER,
    category=kit.Category.FAST,
    summary="A claim's lease shorter than the work: a second consumer takes over, twice done.",
    demonstrates=(
        "Every order arrives twice, a moment apart (a double submit), at two consumers. Only the "
        "idempotency claim keeps the side effect at one (the downstream cannot be asked; a "
        "consumer the lab did not write claims through the side-effect endpoint: a request "
        "with an Idempotency-Key holds its key until it is answered, and a slow endpoint is "
        "the long work). "
        "The work outlasts a fixed claim lease (IDEMPOTENCY_LEASE_SECONDS): the second "
        "consumer's retry finds the claim expired, takes it over and does the side effect "
        "again; the known gap of Powertools-style idempotency. The fix: the claim's lease "
        "ends with the message's visibility and the heartbeat renews both, so it expires "
        "only when the holder is really gone."
    ),
    resources=kit.ResourceSet(max_receive_count=4),
    method=method,
    metrics=Lease,
    measure=measure,
    params={
        "orders": kit.Param(1, "orders, each sent twice", min=1),
        "consumers": kit.consumers(2),
        "work_factor": kit.Param(2.5, "work time, in visibility timeouts"),
        "lease_factor": kit.Param(0.5, "--unsafe: the fixed claim lease, in visibility timeouts"),
        "heartbeat_factor": kit.Param(
            0.34, "time between heartbeats, in visibility timeouts", min=0.05, max=0.9
        ),
    },
    preconditions=(kit.Expect(Lease.late_claims, ">=", 1),),
    # A copy a consumer could not claim comes back after its lease: one it asked for itself,
    # longer than the work, never meets the holder still working.
    applies=(
        kit.Applies(
            kit.Expect(Lease.longer_leases, "==", 0),
            "it asks each receive for a visibility timeout longer than the queue's, so a copy "
            "it could not claim came back only after the holder's work: no claim came late",
        ),
    ),
    expectations=(*kit.EXACTLY_ONCE, kit.Expect(Lease.takeovers, "==", 0)),
    unsafe="the lease that follows the visibility: a fixed lease shorter than the work",
    unsafe_shows=(
        kit.Expect("duplicate_side_effects", ">=", 1),
        kit.Expect(Lease.takeovers, ">=", 1),
    ),
    typical_seconds=8,
    black_box=kit.BLACK_BOX,
)
