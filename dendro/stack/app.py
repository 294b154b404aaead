"""The CDK app: `python -m dendro.stack.app`, run by the CDK CLI for `dendro synth/deploy` and by the
repository's `app.py` for a plain `cdk deploy`. Reads the `dendro:*` context and builds the stack."""

from __future__ import annotations

import sys

import aws_cdk as cdk

from dendro.stack.feature_flags import FEATURE_FLAGS
from dendro.stack.names import DEFAULT_STACK_NAME
from dendro.stack.props import DendroConfigError, props_from_context, stack_name_from_context
from dendro.stack.stack import DendroStack
from dendro.stack.stores import StoreNotBuiltError


def main() -> None:
    # Context given here ranks below cdk.json and `--context`, so a user's cdk.json still wins.
    app = cdk.App(context=FEATURE_FLAGS)
    get = app.node.try_get_context
    try:
        DendroStack(app, stack_name_from_context(get, DEFAULT_STACK_NAME), props=props_from_context(get))
    except (DendroConfigError, StoreNotBuiltError) as error:
        sys.exit(f"Error: {error}")  # one line, not a traceback, under `cdk synth`
    if get("dendro:nag") in (True, "true"):
        from cdk_nag import AwsSolutionsChecks  # a dev dependency: `dendro synth --nag` and CI

        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()


if __name__ == "__main__":
    main()
