#!/usr/bin/env python3
"""CDK entry point for a repository checkout: `cdk deploy` (e.g. in CI) runs the packaged app."""

from dendro.stack.app import main

main()
