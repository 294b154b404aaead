"""Stores: where accepted rows end up. Each is a construct behind the `Store` protocol of `base.py`;
the stack picks one by its `--store` name."""

from __future__ import annotations

from collections.abc import Callable

from constructs import Construct

from dendro.stack.stores.base import Delivery, Store, StoreProps
from dendro.stack.stores.iceberg import IcebergStore
from dendro.stack.stores.timestream import TimestreamStore

# In the order of names.BUILT_STORES (a test keeps the two in step).
STORE_TYPES: dict[str, Callable[..., Store]] = {
    IcebergStore.kind: IcebergStore,
    TimestreamStore.kind: TimestreamStore,
}


class StoreNotBuiltError(ValueError):
    pass


def build_store(scope: Construct, kind: str, props: StoreProps) -> Store:
    try:
        store_type = STORE_TYPES[kind]
    except KeyError:
        built = ", ".join(STORE_TYPES)
        raise StoreNotBuiltError(
            f"store {kind!r} is not available in this version; use one of: {built}"
        ) from None
    return store_type(scope, store_type.construct_id, props=props)  # type: ignore[attr-defined]


__all__ = ["STORE_TYPES", "Delivery", "Store", "StoreNotBuiltError", "StoreProps", "build_store"]
