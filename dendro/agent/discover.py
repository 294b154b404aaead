"""Find a deployed pipeline from a server: the stack publishes its outputs as SSM parameters under
/dendro/<stack>/ (dendro/stack/outputs.py), and the optional agent role may read them."""

from __future__ import annotations

from typing import Any

from dendro.stack.names import OutputKey, parameter_path


class DiscoveryError(RuntimeError):
    pass


def discover_pipeline(ssm: Any, stack_name: str) -> dict[str, str]:
    """{output key: value} of the stack's parameters, e.g. {"DeliveryStreamName": ..., "Region": ...}."""
    from botocore.exceptions import BotoCoreError, ClientError

    path = parameter_path(stack_name)
    found: dict[str, str] = {}
    try:
        for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=path):
            for parameter in page["Parameters"]:
                found[parameter["Name"].removeprefix(path)] = parameter["Value"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        raise DiscoveryError(
            f"cannot read SSM parameters under {path} ({code}): give this server the stack's agent role "
            "(dendro deploy --agent-role) or pass --stream and --region"
        ) from None
    except BotoCoreError as error:
        raise DiscoveryError(f"cannot reach SSM ({error}); check the network and --region") from None
    if OutputKey.DELIVERY_STREAM_NAME not in found:
        raise DiscoveryError(
            f"no Dendro pipeline under {path} in this region: run `dendro deploy`, or pass --stack-name"
        )
    return found
