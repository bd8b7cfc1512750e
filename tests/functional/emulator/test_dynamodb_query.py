"""The emulator's DynamoDB Query reads one partition (candlefish_ops/local/moto/extensions/dynamodb_query.py) and
still answers exactly as moto does: items of that partition only, in order, paginated, with conditions."""

from __future__ import annotations


def test_query_answers_from_its_partition_only(aws):
    dynamodb = aws.client("dynamodb")
    dynamodb.create_table(
        TableName="t", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    for pk, count in (("a", 7), ("b", 5), ("c", 3)):
        for index in range(count):
            dynamodb.put_item(TableName="t", Item={"pk": {"S": pk}, "sk": {"S": f"{pk}{index}"}})

    def query(**extra):
        request = {"TableName": "t", "KeyConditionExpression": "pk = :p", **extra}
        request.setdefault("ExpressionAttributeValues", {":p": {"S": "b"}})
        pages, keys = 0, []
        while True:
            answer = dynamodb.query(**request)
            pages += 1
            keys += [item["sk"]["S"] for item in answer["Items"]]
            if "LastEvaluatedKey" not in answer:
                return keys, pages
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    assert query() == (["b0", "b1", "b2", "b3", "b4"], 1)
    assert query(Limit=2) == (["b0", "b1", "b2", "b3", "b4"], 3)
    assert query(ScanIndexForward=False)[0] == ["b4", "b3", "b2", "b1", "b0"]
    assert query(KeyConditionExpression="pk = :p AND sk >= :s",
                 ExpressionAttributeValues={":p": {"S": "b"}, ":s": {"S": "b3"}})[0] == ["b3", "b4"]
    assert query(ExpressionAttributeValues={":p": {"S": "zz"}}) == ([], 1)
    assert len(dynamodb.scan(TableName="t")["Items"]) == 15  # the table itself is untouched
