"""Per-service endpoints: the standard AWS_ENDPOINT_URL_<SERVICE> variables and the
``sqs=URL,dynamodb=URL`` form of --endpoint-url (queuelab.contract.clients)."""

from __future__ import annotations

import pytest

from queuelab.backend.launcher import endpoint_settings
from queuelab.contract import clients
from queuelab.contract.clients import AwsSettings, EndpointError, parse_endpoints

LS, EMB = "http://127.0.0.1:4566", "http://127.0.0.1:5000"


def test_the_per_service_variables_override_the_general_one() -> None:
    settings = AwsSettings.from_env(
        {"AWS_ENDPOINT_URL": EMB, "AWS_ENDPOINT_URL_SQS": LS, "AWS_REGION": "us-east-1"}
    )

    assert settings.endpoint_for("sqs") == LS
    assert settings.endpoint_for("dynamodb") == EMB
    assert settings.endpoint_for("s3") == EMB
    assert AwsSettings.from_env(settings.env()) == settings  # a subprocess gets the same


@pytest.mark.parametrize(
    ("spec", "default", "named"),
    [
        (EMB, EMB, ()),
        (f"{EMB},sqs={LS}", EMB, (("sqs", LS),)),
        (f"sqs={LS},dynamodb={EMB}", None, (("sqs", LS), ("dynamodb", EMB))),
        (f"SQS={LS}", None, (("sqs", LS),)),
    ],
)
def test_an_endpoint_spec_names_a_default_and_services(
    spec: str, default: str | None, named: tuple[tuple[str, str], ...]
) -> None:
    assert parse_endpoints(spec) == (default, named)


@pytest.mark.parametrize("spec", ["", "sns=http://x", f"{EMB},{LS}"])
def test_a_bad_endpoint_spec_is_refused(spec: str) -> None:
    with pytest.raises(EndpointError):
        parse_endpoints(spec)


def test_services_a_spec_does_not_name_go_to_its_first_url() -> None:
    settings = endpoint_settings(f"sqs={LS},dynamodb={EMB}", "us-east-1", given=True)

    assert [settings.endpoint_for(s) for s in ("sqs", "dynamodb", "s3")] == [LS, EMB, LS]


def test_a_given_endpoint_keeps_the_environments_per_service_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", LS)

    given = endpoint_settings(EMB, "us-east-1", given=True)
    embedded = endpoint_settings(EMB, "us-east-1")  # the lab's own server: all on it

    assert (given.endpoint_for("sqs"), given.endpoint_for("dynamodb")) == (LS, EMB)
    assert (embedded.endpoint_for("sqs"), embedded.endpoint_for("dynamodb")) == (EMB, EMB)


def test_aws_itself_has_no_endpoint_at_all() -> None:
    settings = AwsSettings.from_env({"AWS_ENDPOINT_URL": EMB, "AWS_ENDPOINT_URL_SQS": LS})

    on_aws = settings.on_aws("eu-west-1")

    assert [on_aws.endpoint_for(s) for s in clients.SERVICES] == [None, None, None]
    assert on_aws.region == "eu-west-1"


def test_each_client_connects_to_its_services_endpoint() -> None:
    settings = AwsSettings(
        region="us-east-1",
        endpoint_url=EMB,
        access_key_id="testing",
        secret_access_key="testing",
        service_endpoints=(("sqs", LS),),
    )

    assert clients.sqs(settings).meta.endpoint_url == LS
    assert clients.dynamodb(settings).meta.endpoint_url == EMB
    assert clients.s3(settings).meta.endpoint_url == EMB
