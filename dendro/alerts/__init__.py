"""Alert rules declared once in dendro.toml: evaluated locally against the DuckDB store by
`dendro local up`, and turned into CloudWatch alarms by `dendro deploy` (dendro.stack.alerts)."""
