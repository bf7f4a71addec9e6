"""A tiny OpenID Connect provider on loopback for testing ``st.login`` (authorization code flow, RS256 id_token).

Discovery, /authorize (signs in whoever ``identity`` names, no consent screen), /token (checks client secret, code
and PKCE when sent), /jwks and /userinfo; tokens are RS256-signed JWTs. For tests only: one client, codes
kept in memory. JOSE by joserfc, the library authlib itself now signs with.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey


class Provider:
    def __init__(self, client_id: str, client_secret: str, identity: dict[str, Any]) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.identity = identity  # claims of the next sign-in (sub, email, name)
        self.key = RSAKey.generate_key(2048)
        self.kid = self.key.thumbprint()
        self.codes: dict[str, dict[str, Any]] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.requests: list[str] = []

    def start(self) -> Provider:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }

    def id_token(self, nonce: str | None) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 600, **self.identity}
        if nonce:
            claims["nonce"] = nonce
        return jwt.encode({"alg": "RS256", "kid": self.kid}, claims, self.key)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, body: dict[str, Any], status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urllib.parse.urlparse(self.path)
                q = dict(urllib.parse.parse_qsl(url.query))
                provider.requests.append(url.path)
                if url.path == "/.well-known/openid-configuration":
                    return self._json(provider.metadata())
                if url.path == "/jwks":
                    public = provider.key.as_dict(private=False)
                    return self._json({"keys": [{**public, "kid": provider.kid, "use": "sig", "alg": "RS256"}]})
                if url.path == "/userinfo":
                    return self._json(provider.identity)
                if url.path == "/authorize":
                    if q.get("client_id") != provider.client_id or q.get("response_type") != "code":
                        return self._json({"error": "invalid_request"}, 400)
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = {
                        "nonce": q.get("nonce"),
                        "redirect_uri": q["redirect_uri"],
                        "challenge": q.get("code_challenge"),
                    }
                    target = (
                        q["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": q.get("state", "")})
                    )
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.end_headers()
                    return None
                return self._json({"error": "not_found"}, 404)

            def do_POST(self) -> None:
                url = urllib.parse.urlparse(self.path)
                provider.requests.append(url.path)
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                if url.path != "/token":
                    return self._json({"error": "not_found"}, 404)
                client_id, client_secret = form.get("client_id"), form.get("client_secret")
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    decoded = base64.b64decode(auth[6:]).decode()
                    client_id, client_secret = (urllib.parse.unquote(p) for p in decoded.split(":", 1))
                if client_id != provider.client_id or client_secret != provider.client_secret:
                    return self._json({"error": "invalid_client"}, 401)
                grant = provider.codes.pop(form.get("code", ""), None)
                if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
                    return self._json({"error": "invalid_grant"}, 400)
                if grant["challenge"]:
                    verifier = form.get("code_verifier", "")
                    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                    if digest != grant["challenge"]:
                        return self._json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
                return self._json(
                    {
                        "access_token": secrets.token_urlsafe(24),
                        "token_type": "Bearer",
                        "expires_in": 600,
                        "id_token": provider.id_token(grant["nonce"]),
                    }
                )

        return Handler
