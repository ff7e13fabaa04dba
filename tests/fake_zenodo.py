"""A small stand-in for Zenodo's deposition API on 127.0.0.1, for testing the real publisher.

It keeps depositions, buckets and files in memory, checks the bearer token, records every request,
and can be told to fail a request a number of times (an HTTP status, or a delay longer than the
client's timeout).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class Fault:
    method: str
    path: str  # a regular expression over the request path
    times: int
    status: int | None = 500
    delay: float = 0.0


@dataclass
class FakeZenodo:
    token: str
    depositions: dict[int, dict] = field(default_factory=dict)
    buckets: dict[str, dict[str, bytes]] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    next_id: int = 1000

    def start(self) -> "FakeZenodo":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _serve(self):
                fake.handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- state helpers ---------------------------------------------------------------------------

    def new_deposition(self, concept: int | None = None, files: dict[str, bytes] | None = None,
                       metadata: dict | None = None, submitted: bool = False) -> dict:
        self.next_id += 1
        number = self.next_id
        bucket = f"bucket-{number}"
        self.buckets[bucket] = dict(files or {})
        deposition = {
            "id": number, "conceptrecid": str(concept or number + 5000), "submitted": submitted,
            "state": "done" if submitted else "unsubmitted", "metadata": dict(metadata or {}),
            "title": (metadata or {}).get("title", ""),
            "links": {"bucket": f"{self.url}/files/{bucket}", "self": f"{self.url}/deposit/depositions/{number}",
                      "html": f"https://zenodo.example/records/{number}"},
        }
        self.depositions[number] = deposition
        return deposition

    def files(self, deposition: dict) -> dict[str, bytes]:
        return self.buckets[deposition["links"]["bucket"].rsplit("/", 1)[-1]]

    # --- HTTP ------------------------------------------------------------------------------------

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        self.requests.append({"method": request.command, "path": parsed.path, "query": parsed.query,
                              "authorization": request.headers.get("Authorization", ""), "bytes": len(body)})
        for fault in self.faults:
            if fault.times > 0 and fault.method == request.command and re.fullmatch(fault.path, parsed.path):
                fault.times -= 1
                if fault.delay:
                    time.sleep(fault.delay)
                if fault.status:
                    return self.reply(request, fault.status, {"message": "injected failure"})
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self.reply(request, 401, {"message": "The server could not verify that you are authorized"})
        route = f"{request.command} {parsed.path}"
        try:
            status, answer = self.route(route, parse_qs(parsed.query), body)
        except LookupError:
            status, answer = 404, {"message": "PID does not exist."}
        self.reply(request, status, answer)

    def route(self, route: str, query: dict, body: bytes) -> tuple[int, object]:
        api = "/api"
        if route == f"GET {api}/deposit/depositions":
            page, size = int(query.get("page", ["1"])[0]), int(query.get("size", ["10"])[0])
            listed = sorted(self.depositions.values(), key=lambda d: d["id"])
            return 200, listed[(page - 1) * size: page * size]
        if route == f"POST {api}/deposit/depositions":
            return 201, self.new_deposition()
        match = re.fullmatch(rf"(GET|PUT) {api}/deposit/depositions/(\d+)", route)
        if match:
            deposition = self.depositions[int(match.group(2))]
            if match.group(1) == "PUT":
                if deposition["submitted"]:
                    return 400, {"message": "Deposition is published; edit it first"}
                deposition["metadata"] = json.loads(body)["metadata"]
                deposition["title"] = deposition["metadata"].get("title", "")
            return 200, deposition
        match = re.fullmatch(rf"POST {api}/deposit/depositions/(\d+)/actions/newversion", route)
        if match:
            published = self.depositions[int(match.group(1))]
            concept = published["conceptrecid"]
            if any(d["conceptrecid"] == concept and not d["submitted"] for d in self.depositions.values()):
                return 400, {"message": "A draft of a new version already exists"}
            draft = self.new_deposition(int(concept), files=self.files(published), metadata=published["metadata"])
            draft["conceptrecid"] = concept
            answer = dict(published)
            answer["links"] = {**published["links"], "latest_draft": draft["links"]["self"]}
            return 201, answer
        match = re.fullmatch(rf"POST {api}/deposit/depositions/(\d+)/actions/publish", route)
        if match:
            deposition = self.depositions[int(match.group(1))]
            missing = [k for k in ("title", "upload_type", "description", "creators") if not deposition["metadata"].get(k)]
            if missing or not self.files(deposition):
                return 400, {"message": f"Validation error: missing {missing or 'files'}"}
            deposition.update(submitted=True, state="done", doi_url=f"https://doi.org/10.5072/zenodo.{deposition['id']}")
            return 202, deposition
        match = re.fullmatch(rf"(GET|PUT|DELETE) {api}/files/([\w-]+)(?:/(.+))?", route)
        if match:
            method, bucket, key = match.groups()
            files = self.buckets[bucket]
            if method == "GET" and key is None:
                return 200, {"contents": [{"key": name, "size": len(data),
                                           "checksum": f"md5:{hashlib.md5(data).hexdigest()}"}
                                          for name, data in sorted(files.items())]}
            if method == "PUT" and key:
                files[key] = body
                return 201, {"key": key, "size": len(body), "checksum": f"md5:{hashlib.md5(body).hexdigest()}"}
            if method == "DELETE" and key:
                del files[key]
                return 204, None
        return 404, {"message": "not found"}

    def reply(self, request: BaseHTTPRequestHandler, status: int, answer: object) -> None:
        payload = b"" if answer is None else json.dumps(answer).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)
