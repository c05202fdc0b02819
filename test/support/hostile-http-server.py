# A deliberately hostile HTTP server for the port-link tests: each path answers in one broken or
# malicious way. Runs with python3 alone (the python:3.12-slim stand-in), inside a sandbox.
import base64, hashlib, socket, threading, time

HOSTILE_HEADERS = (
    "Set-Cookie: rdn_login=planted; Path=/\r\n"
    "Set-Cookie: rdn_browser=planted; Path=/\r\n"
    "Clear-Site-Data: \"*\"\r\n"
    "Refresh: 0; url=http://evil.example/\r\n"
    "Link: <http://evil.example/x.css>; rel=stylesheet\r\n"
    "Service-Worker-Allowed: /\r\n"
    "Access-Control-Allow-Origin: *\r\n"
    "Access-Control-Allow-Credentials: true\r\n"
    "Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n"
    "Content-Security-Policy: default-src *\r\n"
    "Permissions-Policy: camera=*\r\n"
    "Alt-Svc: h2=\"evil.example:443\"\r\n"
    "X-Frame-Options: ALLOWALL\r\n"
    "Origin-Agent-Cluster: ?0\r\n"
)

def simple(status, headers, body=b""):
    return ("HTTP/1.1 %s\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n" % (status, headers, len(body))).encode() + body

FIXED = {
    "/ok": simple("200 OK", "Content-Type: text/plain\r\n", b"ok"),
    "/status-42": b"HTTP/1.1 42 X\r\nContent-Length: 0\r\n\r\n",
    "/status-0": b"HTTP/1.1 0 X\r\nContent-Length: 0\r\n\r\n",
    "/status-099": b"HTTP/1.1 099 X\r\nContent-Length: 0\r\n\r\n",
    "/status-999": b"HTTP/1.1 999 X\r\nContent-Length: 0\r\n\r\n",
    "/status-1000": b"HTTP/1.1 1000 X\r\nContent-Length: 0\r\n\r\n",
    "/status-abc": b"HTTP/1.1 abc X\r\nContent-Length: 0\r\n\r\n",
    "/status-negative": b"HTTP/1.1 -200 X\r\nContent-Length: 0\r\n\r\n",
    "/status-101": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
    "/status-100-only": b"HTTP/1.1 100 Continue\r\n\r\n",
    "/not-http": b"SSH-2.0-OpenSSH_9.2\r\n",
    "/binary": bytes(range(256)) * 4,
    "/no-colon": b"HTTP/1.1 200 OK\r\nThis header line has no colon\r\nContent-Length: 0\r\n\r\n",
    "/space-before-colon": b"HTTP/1.1 200 OK\r\nContent-Type : text/plain\r\nContent-Length: 0\r\n\r\n",
    "/nul-in-header": b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n",
    "/cl-and-te": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "/two-lengths": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    "/truncated-head": b"HTTP/1.1 200 OK\r\nContent-Ty",
    "/truncated-empty-body": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
    "/truncated-body": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello",
    "/bad-chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    "/bad-chunked-later": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nqq\r\n",
    "/long-header": b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 1000000 + b"\r\nContent-Length: 0\r\n\r\n",
    "/many-headers": b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(5000)) + b"Content-Length: 0\r\n\r\n",
    "/hostile-headers": simple("200 OK", HOSTILE_HEADERS + "Content-Type: text/html\r\nCache-Control: no-store\r\nETag: \"v1\"\r\n", b"<p>hi</p>"),
    "/redirect-path": simple("302 Found", "Location: /next?a=1\r\n"),
    "/sub/redirect-relative": simple("302 Found", "Location: ../other\r\n"),
    "/redirect-escape": simple("302 Found", "Location: ../../../../api/sessions\r\n"),
    "/redirect-evil": simple("302 Found", HOSTILE_HEADERS + "Location: http://evil.example/\r\n"),
    "/redirect-scheme-relative": simple("302 Found", "Location: //evil.example/x\r\n"),
    "/redirect-js": simple("302 Found", "Location: javascript:alert(1)\r\n"),
    "/refuse-upgrade": simple("403 Forbidden", HOSTILE_HEADERS + "Content-Type: text/plain\r\n", b"no"),
}

def handle(conn):
    try:
        conn.settimeout(120)
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        path = head.split(" ")[1].split("?")[0]
        if path in FIXED:
            conn.sendall(FIXED[path])
        elif path == "/endless-headers":
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            while True:
                conn.sendall(b"X-More: and more and more\r\n")
        elif path == "/closes-at-once":
            pass  # the request was read; the connection closes without a byte
        elif path == "/echo-headers":
            conn.sendall(simple("200 OK", "Content-Type: text/plain\r\n", head.encode("latin-1")))
        elif path == "/slow-body":
            # A streaming page (server-sent events, long poll): the head, 32 s of silence, then the body.
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nfirst\n\r\n")
            time.sleep(32)
            conn.sendall(b"6\r\nlater\n\r\n0\r\n\r\n")
        elif path == "/stalled-head":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n")
            time.sleep(90)
        elif path.startswith("/ws"):
            key = ""
            for line in head.split("\r\n"):
                if line.lower().startswith("sec-websocket-key:"):
                    key = line.split(":", 1)[1].strip()
            accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
            conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Accept: %s\r\n%s\r\n" % (accept, HOSTILE_HEADERS)).encode())
            time.sleep(5)
        else:
            conn.sendall(simple("404 Not Found", "", b"no such path"))
    except Exception:
        pass
    finally:
        try:
            conn.close()
        except Exception:
            pass

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8000))
s.listen(64)
while True:
    c, _ = s.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
