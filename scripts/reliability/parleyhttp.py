"""The HTTP client of the reliability checks (payloads.py, soak.py, instances.py): stdlib only.

One keep-alive connection per client with a cookie jar; a request whose connection the server had closed is sent
once more on a new connection (only when no response head came back, so a request is never repeated after the
server answered it).
"""

import http.client
import re
import time
import urllib.parse


class Client:
    def __init__(self, url, headers=None, timeout=60):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.cookies = {}
        self.connection = None

    def send(self, method, path, body=None, headers=None, timeout=None):
        """(status, response headers, body bytes, seconds)."""
        all_headers = dict(self.headers)
        all_headers.update(headers or {})
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogatepass")  # payloads hold lone surrogates on purpose
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout or self.timeout)
            started = time.monotonic()
            try:
                self.connection.request(method, path, body=body, headers=all_headers)
                response = self.connection.getresponse()
            except (http.client.HTTPException, OSError):  # a keep-alive connection the server had closed
                self.close()
                if attempt == 1:
                    raise
                continue
            try:
                data = response.read()
            except (http.client.HTTPException, OSError):  # cut off after the head: no retry, the caller sees it
                self.close()
                raise
            seconds = time.monotonic() - started
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.split(";", 1)[0].partition("=")
                if rest == "" or "max-age=0" in value.lower():
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = rest.strip()
            if response.headers.get("Connection", "").lower() == "close":
                self.close()
            return response.status, response.headers, data, seconds
        raise RuntimeError("unreachable")

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def csrf(self, path):
        """The CSRF token of the form on `path`."""
        status, _, body, _ = self.send("GET", path)
        match = re.search(rb'name="_csrf" value="([^"]+)"', body)
        if status != 200 or not match:
            raise SystemExit(f"no CSRF field on {path} (status {status})")
        return match.group(1).decode()


def sign_in(client, email, password):
    """Signs `client` in through the dashboard's form; returns it."""
    token = client.csrf("/login")
    status, headers, _, _ = client.send(
        "POST", "/login", urllib.parse.urlencode({"_csrf": token, "email": email, "password": password, "next": "/"}),
        {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 303 or "parley_session" not in client.cookies:
        raise SystemExit(f"sign-in failed: status {status}, location {headers.get('Location')}")
    return client
