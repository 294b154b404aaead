"""The Lambda that turns CloudWatch alarm notifications from the alert topic into webhook posts.
Standard library only: the asset is this folder, nothing else."""
