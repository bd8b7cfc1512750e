"""Lambda `GetAccountSettings` in the emulator (moto 5.2.5 has none), as AWS answers it: the regional
concurrency quota (default 1,000 concurrent executions) and what is left unreserved
(https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html,
https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html). AWS keeps at least 100 unreserved:
`PutFunctionConcurrency` refuses a reservation that would leave less, and so does the emulator here.

A test can lower the quota of one region: `set_concurrency_quota(account, region, 500)`.
"""

from __future__ import annotations

import json

from candlefish_ops.local.moto.compat import add, patch

DEFAULT_CONCURRENCY = 1000
MIN_UNRESERVED = 100
_QUOTAS: dict[tuple[str, str], int] = {}


def set_concurrency_quota(account_id: str, region: str, limit: int | None) -> None:
    if limit is None:
        _QUOTAS.pop((account_id, region), None)
    else:
        _QUOTAS[(account_id, region)] = limit


def install() -> None:
    from moto.awslambda import urls
    from moto.awslambda.models import LambdaBackend
    from moto.awslambda.responses import LambdaResponse

    urls.url_paths.setdefault(r"{0}/(?P<api_version>[^/]+)/account-settings/$", LambdaResponse.dispatch)  # botocore adds the /
    add(LambdaResponse, "get_account_settings", _get_account_settings)
    if not getattr(LambdaBackend.put_function_concurrency, "_candlefish", False):
        patch(LambdaBackend, "put_function_concurrency", _keeping_100_unreserved(LambdaBackend.put_function_concurrency))


def _reserved(backend, except_function: str | None = None) -> int:
    total = 0
    for function in backend.list_functions():
        if except_function in (function.function_name, function.function_arn):
            continue
        total += int(getattr(function, "reserved_concurrency", None) or 0)
    return total


def _limit(backend) -> int:
    return _QUOTAS.get((backend.account_id, backend.region_name), DEFAULT_CONCURRENCY)


def _get_account_settings(self):
    backend = self.backend
    limit = _limit(backend)
    functions = list(backend.list_functions())
    body = {
        "AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000, "CodeSizeZipped": 52428800,
                         "ConcurrentExecutions": limit,
                         "UnreservedConcurrentExecutions": limit - _reserved(backend)},
        "AccountUsage": {"TotalCodeSize": sum(int(getattr(f, "code_size", 0) or 0) for f in functions),
                         "FunctionCount": len(functions)},
    }
    return 200, {"Content-Type": "application/json"}, json.dumps(body)


def _keeping_100_unreserved(original):
    def put_function_concurrency(self, function_name: str, reserved_concurrency: str):
        from moto.awslambda.exceptions import InvalidParameterValueException

        wanted = int(reserved_concurrency)
        if _limit(self) - _reserved(self, function_name) - wanted < MIN_UNRESERVED:
            raise InvalidParameterValueException(
                "Specified ReservedConcurrentExecutions for function decreases account's "
                f"UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED}].")
        return original(self, function_name, reserved_concurrency)

    put_function_concurrency._candlefish = True
    return put_function_concurrency
