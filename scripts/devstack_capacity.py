"""DynamoDB capacity the emulator's requests would consume on AWS, from the real item sizes in moto's tables
(`make bench`'s lifecycle reads it at GET /_devstack/capacity, per `dynamodb.Action`: requests, write and read
request units).

The rules (DynamoDB developer guide, "Read/write capacity mode" and "Managing capacity for transactions"):
- a write costs ceil(size / 1 KB) write units, size being the larger of the item before and after it (a delete:
  the item before); at least 1; a transactional write twice that, for every action of the transaction (a
  `ConditionCheck` too: it costs as a write of the checked item);
- every global secondary index whose projected attributes the write changes costs a write of the index entry
  (`ALL`: the item; `KEYS_ONLY`: table and index keys), and a change of the index key a delete of the old entry as
  well; index writes are never transactional;
- a read costs ceil(size / 4 KB) read units per item (`GetItem`, each item of `BatchGetItem`; a `Query` or `Scan`
  the summed size of what it read), half of that when eventually consistent, twice when transactional; a read
  that finds nothing costs the minimum.

Only successful requests are counted: the lifecycle has no failed ones.
"""

import json
import math
import threading

_lock = threading.Lock()
_capacity = {}


def guarded(step):
    """Runs one accounting step; a failure is counted (`dynamodb.unaccounted`) and never fails the request."""
    try:
        step()
    except Exception:  # noqa: BLE001 - the request itself must not fail for the bench's bookkeeping
        with _lock:
            entry = _capacity.setdefault("dynamodb.unaccounted", {"requests": 0, "wru": 0.0, "rru": 0.0})
            entry["requests"] += 1


def snapshot():
    with _lock:
        return {name: dict(values) for name, values in _capacity.items()}


def _add(name, wru=0.0, rru=0.0):
    with _lock:
        entry = _capacity.setdefault(name, {"requests": 0, "wru": 0.0, "rru": 0.0})
        entry["requests"] += 1
        entry["wru"] += wru
        entry["rru"] += rru


def _backend():
    from moto.dynamodb.models import dynamodb_backends

    for regions in dynamodb_backends.values():
        for backend in regions.values():
            if backend.tables:
                yield backend


def _table(name):
    for backend in _backend():
        if name in backend.tables:
            return backend.tables[name]
    return None


def _item(table, key):
    """moto's item of `key` (the request's key attribute values), or None."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if table is None or not key:
        return None
    hash_value = DynamoType(key[table.hash_key_attr])
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
    try:
        return table.get_item(hash_value, range_value)
    except Exception:  # noqa: BLE001 - a key this table does not have
        return None


def _key_of(table, item_json):
    return {name: item_json[name] for name in (table.hash_key_attr, table.range_key_attr) if name and name in item_json}


def _state(item):
    """What capacity needs of an item: its size and attribute values (JSON), or None for no item."""
    if item is None:
        return None
    return {"size": item.size(), "attrs": item.to_json()["Attributes"]}


def _units(size, per):
    return max(1, math.ceil(size / per))


def _index_writes(table, before, after):
    """Write units of the global secondary indexes for an item going from `before` to `after` (states or None)."""
    units = 0
    for index in getattr(table, "global_indexes", []) or []:
        schema = {k["KeyType"]: k["AttributeName"] for k in index.schema}
        hash_name, range_name = schema.get("HASH"), schema.get("RANGE")
        projection = (index.projection or {}).get("ProjectionType", "ALL")

        def entry(state):
            if state is None or hash_name not in state["attrs"] or (range_name and range_name not in state["attrs"]):
                return None
            keys = {n for n in (hash_name, range_name, table.hash_key_attr, table.range_key_attr) if n}
            if projection == "KEYS_ONLY":
                attrs = {n: v for n, v in state["attrs"].items() if n in keys}
            elif projection == "INCLUDE":
                names = keys | set((index.projection or {}).get("NonKeyAttributes", []))
                attrs = {n: v for n, v in state["attrs"].items() if n in names}
            else:
                attrs = state["attrs"]
            size = len(json.dumps(attrs)) if projection != "ALL" else state["size"]
            return {"key": (json.dumps(state["attrs"].get(hash_name)), json.dumps(state["attrs"].get(range_name))),
                    "attrs": attrs, "size": size}

        old, new = entry(before), entry(after)
        if old is None and new is None:
            continue
        if old is not None and new is not None and old["key"] == new["key"]:
            if old["attrs"] != new["attrs"]:
                units += _units(new["size"], 1024)
            continue
        if old is not None:
            units += _units(old["size"], 1024)
        if new is not None:
            units += _units(new["size"], 1024)
    return units


def _write_units(table, before, after, transactional):
    size = max(s["size"] for s in (before, after) if s is not None) if (before or after) else 0
    units = _units(size, 1024) * (2 if transactional else 1)
    return units + _index_writes(table, before, after)


def _read_units(size, consistent, transactional=False):
    factor = 2.0 if transactional else (1.0 if consistent else 0.5)
    return _units(size, 4096) * factor


class Measured:
    """Around one DynamoDB request: `before()` under the emulator's DynamoDB lock, the call, then `after()`."""

    def __init__(self, action, body):
        self.action = action
        try:
            self.request = json.loads(body or b"{}")
        except ValueError:
            self.request = {}
        self.writes = []  # (table, key, before state, transactional)

    def before(self):
        request, action = self.request, self.action
        if action in ("PutItem", "UpdateItem", "DeleteItem"):
            table = _table(request.get("TableName"))
            key = request.get("Key") or (_key_of(table, request.get("Item", {})) if table else {})
            self.writes.append((table, key, _state(_item(table, key)), False))
        elif action == "BatchWriteItem":
            for name, writes in request.get("RequestItems", {}).items():
                table = _table(name)
                for write in writes:
                    op = write.get("PutRequest") or write.get("DeleteRequest") or {}
                    key = op.get("Key") or (_key_of(table, op.get("Item", {})) if table else {})
                    self.writes.append((table, key, _state(_item(table, key)), False))
        elif action == "TransactWriteItems":
            for entry in request.get("TransactItems", []):
                op_type, op = next(iter(entry.items()))
                table = _table(op.get("TableName"))
                key = op.get("Key") or (_key_of(table, op.get("Item", {})) if table else {})
                self.writes.append((table, key, _state(_item(table, key)), op_type))

    def after(self, ok):
        if not ok:
            return
        request, action = self.request, self.action
        wru = rru = 0.0
        for table, key, before, kind in self.writes:
            if kind == "ConditionCheck":
                wru += _units(before["size"] if before else 0, 1024) * 2
                continue
            after = _state(_item(table, key))
            wru += _write_units(table, before, after, transactional=bool(kind))
        if action == "GetItem":
            item = _item(_table(request.get("TableName")), request.get("Key"))
            rru = _read_units(item.size() if item else 0, request.get("ConsistentRead", False))
        elif action == "BatchGetItem":
            for name, wanted in request.get("RequestItems", {}).items():
                table = _table(name)
                for key in wanted.get("Keys", []):
                    item = _item(table, key)
                    rru += _read_units(item.size() if item else 0, wanted.get("ConsistentRead", False))
        elif action == "TransactGetItems":
            for entry in request.get("TransactItems", []):
                op = entry.get("Get", {})
                item = _item(_table(op.get("TableName")), op.get("Key"))
                rru += _read_units(item.size() if item else 0, True, transactional=True)
        if action in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems", "GetItem",
                      "BatchGetItem", "TransactGetItems"):
            _add(f"dynamodb.{action}", wru, rru)

    def after_read(self, response_body, ok):
        """`Query` and `Scan`: the size of what they read, from the answer's items."""
        if not ok or self.action not in ("Query", "Scan"):
            return
        try:
            answer = json.loads(b"".join(response_body) or b"{}")
        except ValueError:
            answer = {}
        table = _table(self.request.get("TableName"))
        size = 0
        for item_json in answer.get("Items", []):
            item = _item(table, _key_of(table, item_json)) if table else None
            size += item.size() if item else len(json.dumps(item_json))
        _add(f"dynamodb.{self.action}", 0.0, _read_units(size, self.request.get("ConsistentRead", False)))
