"""Stack outputs, twice: CfnOutputs with export names (for other stacks and `cdk deploy --outputs-file`)
and SSM parameters with the same keys and values (for servers discovering the pipeline on their own)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from dendro.stack.names import export_name, parameter_name


class Outputs(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, values: Mapping[str, str]) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.outputs: dict[str, CfnOutput] = {}
        for key, value in values.items():
            output = CfnOutput(self, key, value=value, export_name=export_name(stack.stack_name, key))
            # The logical ID is the key of the outputs file and of `describe-stacks`: keep it the plain
            # key rather than CDK's path-hashed ID.
            output.override_logical_id(key)
            self.outputs[key] = output
            ssm.StringParameter(
                self,
                f"{key}Parameter",
                parameter_name=parameter_name(stack.stack_name, key),
                string_value=value,
                description=f"Dendro pipeline {stack.stack_name}: {key}",
            )
