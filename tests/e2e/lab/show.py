"""Readable one-liners for scripts/demo from client_tool.py's JSON (stdin) or the lab's logs.

  show.py http CLIENT_IP VIP_LABEL   show.py banner   show.py udp   show.py udp-log FILE
"""
import json
import sys


def main():
    kind = sys.argv[1]
    if kind == "udp-log":
        with open(sys.argv[2]) as f:
            last = [json.loads(line) for line in f][-1]
        h = last.get("header")
        if h:
            print(f"  receiver saw from {last['peer']}: PROXY v{h['version']} {h['family']} "
                  f"{h['transport']} {h['src']}:{h['src_port']} -> {h['dst']}:{h['dst_port']}, "
                  f"payload {last['payload']!r}")
        else:
            print(f"  receiver rejected the last datagram: {last.get('error')}")
        return 0
    r = json.load(sys.stdin)
    if kind == "http":
        r = r[0]
    if r.get("error"):
        print(f"  failed: {r['error']}")
        return 1
    if kind == "http":
        client_ip, vip = sys.argv[2], sys.argv[3]
        client = f"[{client_ip}]" if ":" in client_ip else client_ip
        print(f"  client {client}:{r['local_port']} -> {vip} port 80")
        print(f"  nginx {r['backend']}:8080 was told: {r['body']}  "
              "($proxy_protocol_addr:$proxy_protocol_port)")
    elif kind == "banner":
        print(f"  client 10.10.0.2:{r['local_port']} sent nothing and received: "
              f"{r['banner'].strip()}")
    elif kind == "udp":
        for reply in r["replies"]:
            print(f"  client 10.10.0.2:{r['local_port']} got back: {reply}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
