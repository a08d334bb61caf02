#!/usr/bin/env python3
"""Turns meson's testlog.json into one 'PASS|FAIL name' line per GoogleTest case.

meson test counts executables; the project counts test cases, so each executable's gtest
output ('[       OK ] Suite.Case', '[  FAILED  ] Suite.Case') is read. An executable that
failed without naming a failing case (a crash, a timeout) is recorded as failed itself.
"""
import json
import re
import sys

ok_re = re.compile(r"^\[       OK \] (\S+)", re.M)
failed_re = re.compile(r"^\[  FAILED  \] (\S+) \(", re.M)

for line in open(sys.argv[1], encoding="utf-8"):
    entry = json.loads(line)
    name, result, out = entry["name"], entry["result"], entry.get("stdout", "") or ""
    oks, fails = ok_re.findall(out), failed_re.findall(out)
    for case in oks:
        print(f"PASS {name}/{case}")
    for case in fails:
        print(f"FAIL {name}/{case}")
    if result not in ("OK", "EXPECTEDFAIL") and not fails:
        print(f"FAIL {name} ({result})")
    elif result == "OK" and not oks and not fails:
        print(f"PASS {name}")
