"""The local CloudFront: one request through the deployed distribution's behaviour, its Lambda@Edge
functions, its cache and its origins, in CloudFront's order:

  behaviour -> viewer-request -> cache lookup -> (miss) origin-request -> origin -> origin-response -> store
            -> viewer-response -> response headers policy -> viewer

Functions run in warm workers (workers.py) of the runtime's Python; their results are validated as
CloudFront validates them (rules.py) and a refused one is answered the way CloudFront answers it.
"""

from __future__ import annotations

import base64
import http.client
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from candlefish_ops.edge.serve import rules
from candlefish_ops.edge.serve.rules import Invalid

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "transfer-encoding", "upgrade", "proxy-connection", "content-length"}
CONNECT_ERROR = "CloudFront wasn't able to connect to the origin."
METHOD_ERROR = "This distribution is not configured to allow the HTTP request method that was used for this request."
STATUS_TEXT = {200: "OK", 204: "No Content", 301: "Moved Permanently", 302: "Found", 304: "Not Modified",
               400: "Bad Request", 403: "Forbidden", 404: "Not Found", 415: "Unsupported Media Type",
               500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
               504: "Gateway Timeout"}


@dataclass
class Answer:
    status: int
    headers: dict                      # lower-case name -> [{"key", "value"}]
    body: bytes
    cache: str = "Miss"                # Hit | Miss | LambdaGeneratedResponse | LambdaValidationError | ... (X-Cache)
    age: int | None = None


@dataclass
class Entry:
    status: int
    headers: dict
    body: bytes
    stored: float
    expires: float


@dataclass
class Trace:
    """What one request did, for the log line and the tests."""

    method: str
    path: str
    behaviour: str = ""
    cache: str = ""
    status: int = 0
    stages: list[tuple[str, float]] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    problem: str = ""

    def line(self, total_ms: float) -> str:
        stages = " ".join(f"{name}={ms:.1f}ms" for name, ms in self.stages)
        problem = f" error={self.problem}" if self.problem else ""
        return (f"{self.method} {self.path} behaviour={self.behaviour} cache={self.cache} status={self.status} "
                f"{stages} total={total_ms:.1f}ms{problem}")


def entries(headers: dict[str, str] | list[tuple[str, str]]) -> dict:
    found: dict = {}
    for name, value in (headers.items() if isinstance(headers, dict) else headers):
        found.setdefault(name.lower(), []).append({"key": name, "value": value})
    return found


def copy_headers(headers: dict) -> dict:
    return {name: [dict(e) for e in values] for name, values in headers.items()}


class EdgeService:
    """The distribution's behaviour, per request; thread-safe."""

    def __init__(self, site, pools: dict, origins: dict[str, str], s3_for, log=lambda line: None,
                 clock=time.time) -> None:
        self.site, self.pools, self.origins, self._s3_for, self._log = site, pools, origins, s3_for, log
        self._clock = clock
        self._cache: dict[tuple[str, str], Entry] = {}
        self._lock = threading.Lock()
        self.traces: list[Trace] = []

    # -- entry point -------------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes,
               client_ip: str) -> Answer:
        started = time.monotonic()
        split = urlsplit(target)
        trace = Trace(method, target)
        request_id = base64.urlsafe_b64encode(secrets.token_bytes(42)).decode()
        try:
            answer = self._handle(method, split.path or "/", split.query, headers, body, client_ip, request_id,
                                  trace)
        except _OriginDown as down:
            answer = self._error(502, down.message, request_id, "Error")
            trace.problem = f"origin: {down.message}"
        except Invalid as invalid:
            answer = self._error(502 if invalid.kind == rules.VALIDATION else 503, invalid.message, request_id,
                                 invalid.kind)
            trace.problem = f"{trace.functions[-1] if trace.functions else '?'} {invalid.rule}"
        self._finish(answer, request_id)
        trace.cache, trace.status = answer.cache, answer.status
        with self._lock:
            self.traces.append(trace)
            if len(self.traces) > 10000:
                del self.traces[:5000]
        self._log(trace.line((time.monotonic() - started) * 1000))
        return answer

    def _handle(self, method, path, query, headers, body, client_ip, request_id, trace) -> Answer:
        distribution = self.site.distribution
        behaviour = rules.select(distribution.behaviours, path)
        trace.behaviour = behaviour.path_pattern
        if method not in behaviour.allowed_methods:
            return self._error(403, METHOD_ERROR, request_id, "Error")
        functions = {a.event_type: self.site.functions[a.function_arn] for a in behaviour.associations}
        config = {"distributionDomainName": distribution.domain_name,
                  "distributionId": distribution.distribution_id, "requestId": request_id}
        viewer_headers = {n: v for n, v in entries(headers).items() if not rules.is_disallowed(n)}
        request = {"clientIp": client_ip, "headers": viewer_headers, "method": method,
                   "querystring": query, "uri": path}

        # viewer request (runs on every request, hits included)
        if "viewer-request" in functions:
            outcome = self._run(functions["viewer-request"], "viewer-request", config, request, None, trace)
            if outcome[0] == "response":  # returned as is: not cached, no viewer response function
                answer = self._generated(outcome[1], outcome[2], "LambdaGeneratedResponse")
                rules.apply_response_headers_policy(
                    self.site.response_headers_policies.get(behaviour.response_headers_policy_id), answer.headers)
                return answer
            request = outcome[1]

        answer = self._from_cache_or_origin(method, behaviour, functions, config, request, body, trace)
        if "viewer-response" in functions and answer.status < 400:  # not for 400 and above
            answer = self._viewer_response(functions["viewer-response"], config, request, answer, trace)
        rules.apply_response_headers_policy(self.site.response_headers_policies.get(behaviour.response_headers_policy_id),
                                            answer.headers)
        return answer

    def _from_cache_or_origin(self, method, behaviour, functions, config, request, body, trace) -> Answer:
        """A hit from the cache, or the miss path (origin request/response functions, origin), stored for its TTL."""
        policy = self.site.cache_policies.get(behaviour.cache_policy_id) or {}
        key = (behaviour.path_pattern, rules.cache_key(policy, request))
        cacheable = method in behaviour.cached_methods
        now = self._clock()
        stage = time.monotonic()
        entry = self._lookup(key, now) if cacheable else None
        trace.stages.append(("cache", (time.monotonic() - stage) * 1000))
        if entry is not None:
            return Answer(entry.status, copy_headers(entry.headers), entry.body, "Hit", int(now - entry.stored))
        answer = self._miss(behaviour, functions, config, request, body, trace)
        lifetime = rules.ttl(policy, answer.status, answer.headers, now) if cacheable else 0
        if lifetime > 0:
            with self._lock:
                self._cache[key] = Entry(answer.status, copy_headers(answer.headers), answer.body, now, now + lifetime)
        return answer

    def _viewer_response(self, function, config, request, answer: Answer, trace) -> Answer:
        before = {"status": str(answer.status), "statusDescription": STATUS_TEXT.get(answer.status, ""),
                  "headers": copy_headers(answer.headers)}
        outcome = self._run(function, "viewer-response", config, request, before, trace)
        result, replaced = outcome[1], outcome[2]
        return Answer(answer.status, result.get("headers", {}), replaced if replaced is not None else answer.body,
                      answer.cache, answer.age)

    def _lookup(self, key, now: float) -> Entry | None:
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None and entry.expires <= now:
                del self._cache[key]
                entry = None
        return entry

    def _miss(self, behaviour, functions, config, viewer_request, body, trace) -> Answer:
        origin = self.site.distribution.origins[behaviour.target_origin_id]
        request = self._origin_request(behaviour, viewer_request, origin)
        if "origin-request" in functions:
            outcome = self._run(functions["origin-request"], "origin-request", config, request, None, trace)
            if outcome[0] == "response":
                return self._generated(outcome[1], outcome[2], "Miss")  # cached, no origin response
            request = outcome[1]
        stage = time.monotonic()
        status, headers, content = self._fetch(origin, request, body)
        trace.stages.append(("origin", (time.monotonic() - stage) * 1000))
        if status is None:
            raise _OriginDown(headers)
        if "origin-response" in functions:
            before = {"status": str(status), "statusDescription": STATUS_TEXT.get(status, ""),
                      "headers": copy_headers(headers)}
            outcome = self._run(functions["origin-response"], "origin-response", config, request, before, trace)
            result, replaced = outcome[1], outcome[2]
            return Answer(int(result["status"]), result.get("headers", {}),
                          replaced if replaced is not None else content)
        return Answer(status, headers, content)

    # -- functions ---------------------------------------------------------------------------------------

    def _run(self, function, event_type: str, config: dict, request: dict, response: dict | None, trace):
        cf = {"config": {**config, "eventType": event_type}, "request": request}
        if response is not None:
            cf["response"] = response
        trace.functions.append(f"{function.name}@{event_type}")
        invocation = self.pools[function.arn].invoke({"Records": [{"cf": cf}]})
        trace.stages.append((event_type, invocation.ms))
        if invocation.timed_out:  # logged with the function's timeout; the viewer gets CloudFront's page
            raise Invalid(rules.EXECUTION, f"timeout {function.timeout:g}s", rules.EXECUTION_MESSAGE)
        if invocation.error:
            raise Invalid(rules.EXECUTION, f"function-error {invocation.error.splitlines()[0][:160]}",
                          rules.EXECUTION_MESSAGE)
        return rules.validate(event_type, invocation.result, request, response)

    def _generated(self, result: dict, body: bytes, cache: str) -> Answer:
        return Answer(int(result["status"]), copy_headers(result.get("headers") or {}), body, cache)

    # -- origins -----------------------------------------------------------------------------------------

    def _origin_request(self, behaviour, viewer_request: dict, origin) -> dict:
        """The request CloudFront sends on a miss: what the cache and origin request policies forward."""
        cache = (self.site.cache_policies.get(behaviour.cache_policy_id) or {}).get(
            "ParametersInCacheKeyAndForwardedToOrigin") or {}
        policy = self.site.origin_request_policies.get(behaviour.origin_request_policy_id) or {}
        headers = viewer_request["headers"]
        keep: dict = {}
        behaviour_name, names = rules.policy_headers(policy)
        for name, values in headers.items():
            if behaviour_name in ("allViewer", "allViewerAndWhitelistCloudFront") or \
                    (behaviour_name == "allExcept" and name not in names) or \
                    (behaviour_name == "whitelist" and name in names):
                keep[name] = values
        cache_behaviour, cache_names = rules.policy_headers(cache)
        if cache_behaviour == "whitelist":
            keep.update({n: headers[n] for n in cache_names if n in headers})
        cookies = rules.select_cookies(headers, (cache.get("CookiesConfig") or {}).get("CookieBehavior", "none"),
                                       rules._names(cache.get("CookiesConfig") or {}, "Cookies"))
        cookies += [c for c in rules.select_cookies(
            headers, (policy.get("CookiesConfig") or {}).get("CookieBehavior", "none"),
            rules._names(policy.get("CookiesConfig") or {}, "Cookies")) if c not in cookies]
        keep.pop("cookie", None)
        if cookies:
            keep["cookie"] = [{"key": "Cookie", "value": "; ".join(f"{n}={v}" for n, v in cookies)}]
        query = rules.select_query(viewer_request.get("querystring", ""),
                                   (cache.get("QueryStringsConfig") or {}).get("QueryStringBehavior", "none"),
                                   rules._names(cache.get("QueryStringsConfig") or {}, "QueryStrings"))
        query += [q for q in rules.select_query(
            viewer_request.get("querystring", ""),
            (policy.get("QueryStringsConfig") or {}).get("QueryStringBehavior", "none"),
            rules._names(policy.get("QueryStringsConfig") or {}, "QueryStrings")) if q not in query]
        if "host" not in keep:
            keep["host"] = [{"key": "Host", "value": origin.domain_name}]
        keep["via"] = [{"key": "Via", "value": f"1.1 {self.site.distribution.domain_name} (CloudFront)"}]
        if origin.s3:
            event_origin = {"s3": {"authMethod": "none", "customHeaders": entries(list(origin.custom_headers)),
                                   "domainName": origin.domain_name, "path": origin.origin_path,
                                   "region": _region(origin.domain_name)}}
        else:
            event_origin = {"custom": {"customHeaders": entries(list(origin.custom_headers)),
                                       "domainName": origin.domain_name, "keepaliveTimeout": origin.keepalive_timeout,
                                       "path": origin.origin_path, "port": 443, "protocol": "https",
                                       "readTimeout": origin.read_timeout, "sslProtocols": ["TLSv1.2"]}}
        return {"clientIp": viewer_request["clientIp"], "headers": keep, "method": viewer_request["method"],
                "origin": event_origin, "querystring": "&".join(f"{n}={v}" if v != "" else n for n, v in query),
                "uri": viewer_request["uri"]}

    def _fetch(self, origin, request: dict, body: bytes):
        """(status, headers, body) from the origin the request names; (None, message, b"") when unreachable."""
        target = request.get("origin") or {}
        if "s3" in target:
            return self._fetch_s3(target["s3"], request, origin)
        custom = target.get("custom") or {}
        domain = custom.get("domainName", origin.domain_name)
        name = origin.origin_id if domain == origin.domain_name else domain
        base = self.origins.get(name) or self.origins.get(domain)
        if base is None:
            return None, (f"no --origin for origin {name!r} ({domain}): run with --origin {name}=http://HOST:PORT"), b""
        url = urlsplit(base)
        path = (url.path.rstrip("/") + custom.get("path", "") + request["uri"]) or "/"
        if request.get("querystring"):
            path += "?" + request["querystring"]
        connection_class = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        connection = connection_class(url.hostname, url.port, timeout=float(custom.get("readTimeout") or 30))
        send = {e["key"] if "key" in e else n: e["value"] for n, values in request["headers"].items() for e in values}
        try:
            connection.request(request["method"], path, body=body or None, headers=send)
            reply = connection.getresponse()
            content = reply.read()
        except (OSError, http.client.HTTPException) as error:
            return None, f"{CONNECT_ERROR} ({name} at {base}: {error})", b""
        finally:
            connection.close()
        headers = entries([(n, v) for n, v in reply.getheaders() if n.lower() not in HOP_BY_HOP
                           and not rules.is_disallowed(n)])
        return reply.status, headers, content

    def _fetch_s3(self, target: dict, request: dict, origin):
        from candlefish_ops.edge.serve.site import bucket_of

        domain = target.get("domainName", origin.domain_name)
        bucket = bucket_of(domain)
        key = unquote((target.get("path") or "") + request["uri"]).lstrip("/")
        rights = self.site.oac_rights.get(bucket)
        if rights is not None and "s3:getobject" not in rights:
            return _denied()
        found = self._s3_for(domain).get_object(bucket, key)
        if found.status == 404 and rights is not None and "s3:listbucket" not in rights:
            return _denied()  # without s3:ListBucket S3 does not say whether a key exists
        if found.status != 200:
            return found.status, entries({"Content-Type": "application/xml"}), _s3_error(found.error_code)
        return 200, entries([(n, v) for n, v in found.headers.items() if n != "content-length"]), found.body

    # -- CloudFront's own answers -----------------------------------------------------------------------

    def _error(self, status: int, message: str, request_id: str, kind: str) -> Answer:
        return Answer(status, entries({"Content-Type": "text/html", "Server": "CloudFront"}),
                      rules.error_page(status, message, request_id), kind)

    def _finish(self, answer: Answer, request_id: str) -> None:
        headers = answer.headers
        headers["x-cache"] = [{"key": "X-Cache", "value": f"{answer.cache} from cloudfront"}]
        headers["via"] = [{"key": "Via", "value": f"1.1 {self.site.distribution.domain_name} (CloudFront)"}]
        headers["x-amz-cf-pop"] = [{"key": "X-Amz-Cf-Pop", "value": "LOCAL1-C1"}]
        headers["x-amz-cf-id"] = [{"key": "X-Amz-Cf-Id", "value": request_id}]
        if answer.cache == "Hit" and answer.age is not None:
            headers["age"] = [{"key": "Age", "value": str(answer.age)}]


class _OriginDown(Invalid):
    def __init__(self, message: str) -> None:
        super().__init__("Error", "origin", message)


def _denied():
    return 403, entries({"Content-Type": "application/xml"}), _s3_error("AccessDenied")


def _s3_error(code: str) -> bytes:
    message = {"AccessDenied": "Access Denied", "NoSuchKey": "The specified key does not exist."}.get(code, code)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            f"</Error>").encode()


def _region(domain: str) -> str:
    from candlefish_ops.edge.serve.site import region_of

    return region_of(domain)


# --- HTTP ---------------------------------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1                   # headers and body leave in one write (flushed after each request) ...
    disable_nagle_algorithm = True  # ... and at once: no 40 ms delayed-ACK stall on kept-alive connections
    service: EdgeService

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            answer = self.service.handle(self.command, self.path, list(self.headers.items()), body,
                                         self.client_address[0])
        except Exception as error:  # noqa: BLE001 - a bug of ours answers 502 and is logged, never a dropped connection
            self.service._log(f"{self.command} {self.path[:200]} internal error: {type(error).__name__}: {error}")
            answer = Answer(502, {"content-type": [{"key": "Content-Type", "value": "text/plain"}]},
                            f"edge serve internal error: {type(error).__name__}\n".encode())
        self.send_response_only(answer.status, STATUS_TEXT.get(answer.status))
        self.send_header("Date", self.date_time_string())
        for name, values in answer.headers.items():
            if name in HOP_BY_HOP:
                continue
            for entry in values:
                self.send_header(entry.get("key") or name, entry["value"])
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _any

    def log_message(self, format, *args) -> None:  # noqa: A002 - the service logs one line per request
        pass


class EdgeServer:
    """A ThreadingHTTPServer in front of an EdgeService."""

    def __init__(self, service: EdgeService, host: str = "127.0.0.1", port: int = 8080) -> None:
        handler = type("Handler", (_Handler,), {"service": service})
        self.service = service
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> EdgeServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join()


def worker_environment(session, function) -> dict[str, str]:
    """What a worker sees: the Lambda runtime's variables, and the caller's credentials and endpoint (the
    optimiser's boto3 then reaches the same S3 this server reads; against the emulator, the emulator)."""
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TZ": ":UTC", "LANG": "C.UTF-8",
                   "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
                   "AWS_LAMBDA_FUNCTION_NAME": f"us-east-1.{function.arn.split(':')[6]}",
                   "AWS_LAMBDA_FUNCTION_VERSION": function.arn.rsplit(":", 1)[-1],
                   "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory),
                   "LAMBDA_TASK_ROOT": str(function.directory), "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"}
    from candlefish_ops.aws.session import exported_credentials

    environment.update(exported_credentials(session))
    if os.environ.get("AWS_ENDPOINT_URL"):
        environment["AWS_ENDPOINT_URL"] = os.environ["AWS_ENDPOINT_URL"]
    return environment
