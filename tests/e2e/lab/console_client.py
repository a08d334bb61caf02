"""Talks to the sluice console (spec cli-console.md) like an operator with nc would: reads the
greeting up to the first prompt, sends each command given on the command line, and prints a
JSON list with the text each one answered (everything up to the next prompt).

Usage: console_client.py [--host H] [--port P] COMMAND...    (run inside sl-lb)
"""
import argparse
import json
import socket
import sys

PROMPT = b"sluice> "


def read_until_prompt(sock):
    data = b""
    while not data.endswith(PROMPT):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data[:-len(PROMPT)] if data.endswith(PROMPT) else data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7070)
    parser.add_argument("commands", nargs="+")
    args = parser.parse_args()
    with socket.create_connection((args.host, args.port), timeout=20) as sock:
        read_until_prompt(sock)
        answers = []
        for command in args.commands:
            sock.sendall(command.encode() + b"\n")
            answers.append(read_until_prompt(sock).decode(errors="replace"))
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
