"""DynamoDB Query in the emulator reads the queried partition only, as DynamoDB does.

moto 5.2.5's `Table.query` walks every item of the table and compares its partition key (about 0.25 s per
20,000 items of *other* partitions, measured), so a query's cost grew with the whole table, where DynamoDB's
grows with the items of the partition it reads. Base-table queries of tables with a sort key are narrowed to
their partition here; results, order and pagination are moto's own. Index queries are left to moto.
"""

from __future__ import annotations

from candlefish_ops.local.moto.compat import patch


def install() -> None:
    from moto.dynamodb.models.table import Table

    original = Table.query
    if getattr(original, "_one_partition", False):
        return

    def query(self, hash_key, *args, **kwargs):
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name or hash_key is None or not self.range_key_attr:
            return original(self, hash_key, *args, **kwargs)
        partition = self.items.get(hash_key) or {}
        self.all_items = lambda: list(partition.values())  # the emulator serves one request at a time
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    query._one_partition = True
    query.moto_original = original  # bench/waf.py --stock-query measures without this extension
    patch(Table, "query", query)
