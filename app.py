#!/usr/bin/env python3
"""CDK entry point: `cdk deploy` (or `dendro deploy`) reads the `dendro:*` context and builds the stack."""

from __future__ import annotations

import sys

import aws_cdk as cdk

from dendro_stack.names import DEFAULT_STACK_NAME
from dendro_stack.props import DendroConfigError, props_from_context, stack_name_from_context
from dendro_stack.stack import DendroStack
from dendro_stack.stores import StoreNotBuiltError

app = cdk.App()
get = app.node.try_get_context
try:
    DendroStack(app, stack_name_from_context(get, DEFAULT_STACK_NAME), props=props_from_context(get))
except (DendroConfigError, StoreNotBuiltError) as error:
    sys.exit(f"Error: {error}")  # one line, not a traceback, under `cdk synth`
if get("dendro:nag") in (True, "true"):
    from cdk_nag import AwsSolutionsChecks  # a dev dependency: `dendro synth --nag` and CI

    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
