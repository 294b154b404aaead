"""Dendro: low-toil monitoring for small teams.

Kept empty of imports on purpose: the ingest Lambda's bundle carries this package root, and
`dendro --help` should not pay for anything it does not use.
"""

__version__ = "0.1.0"
