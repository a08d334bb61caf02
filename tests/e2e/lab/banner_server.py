"""A server that speaks first, behind HAProxy `accept-proxy` ... `send-proxy`.

HAProxy (in front, on 10.20.0.2:2525) checks the appliance's PROXY v2 header and relays the
client address as a PROXY v1 line when it connects here. This server reads that line (no
client data is needed for it), then at once sends "220 banner ready" with the client address
it was told, then echoes whatever the client sends, line by line.
Usage: banner_server.py HOST PORT
"""
import socket
import sys
import threading

sys.path.insert(0, __import__("os").path.dirname(__file__))
import pp2  # noqa: E402


def serve(conn: socket.socket):
    with conn:
        conn.settimeout(30)
        data = b""
        try:
            while b"\r\n" not in data and len(data) < 108:
                chunk = conn.recv(108 - len(data))
                if not chunk:
                    return
                data += chunk
            info, used = pp2.parse_v1(data)
            rest = data[used:]
            client = pp2.show(info["src"], info["src_port"]) if info["src"] else "unknown"
            conn.sendall(f"220 banner ready (client {client})\r\n".encode())
            print(f"banner: client {client}", flush=True)
            while True:
                if rest:
                    conn.sendall(b"250 " + rest)
                rest = conn.recv(65536)
                if not rest:
                    return
        except (OSError, pp2.ProxyHeaderError) as error:
            print(f"banner: {error}", flush=True)


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    listener = socket.create_server((host, port), backlog=1024, reuse_port=False)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
