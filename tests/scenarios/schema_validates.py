#!/usr/bin/env python3
"""Every shipped scenario validates against scenarios/schema.json, and the schema refuses what
the loader refuses in a pattern's parameters: an unknown key, a value out of range, a pattern
name the registry lacks. usage: schema_validates.py SCHEMA FILE... (exit 77: no jsonschema)."""
import copy
import json
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed (scripts/bootstrap installs it)")
    sys.exit(77)

schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft202012Validator(schema)
failures = 0
checked = 0
for path in sys.argv[2:]:
    doc = json.load(open(path))
    if not isinstance(doc, dict) or "topology" not in doc:
        continue  # lesson files, baselines: not scenarios
    checked += 1
    for err in validator.iter_errors(doc):
        failures += 1
        print(f"{path}: {'/'.join(map(str, err.absolute_path))}: {err.message}")

# What the schema must refuse, each a change to a valid scenario.
base = {
    "name": "s",
    "topology": {"services": [{"name": "a"}, {"name": "b"}], "brokers": [{"name": "mq"}]},
    "workload": {"kind": "transfer", "count": 2},
    "pattern": {"name": "outbox", "params": {"batch": 10}},
}
if list(validator.iter_errors(base)):
    print("the valid base scenario is refused:", [e.message for e in validator.iter_errors(base)])
    failures += 1
bad = {
    "an unknown parameter": lambda s: s["pattern"]["params"].update(bogus=1),
    "a parameter out of range": lambda s: s["pattern"]["params"].update(batch=0),
    "a parameter of the wrong type": lambda s: s["pattern"]["params"].update(relay=3),
    "an unknown pattern": lambda s: s["pattern"].update(name="outbx"),
    "another pattern's unknown parameter": lambda s: s["pattern"].update(
        params_by_pattern={"tcc": {"bogus": 1}}),
    "a parameter of another pattern in params": lambda s: s["pattern"]["params"].update(
        try_timeout_ms=5),
}
for what, change in bad.items():
    doc = copy.deepcopy(base)
    change(doc)
    if not list(validator.iter_errors(doc)):
        print(f"the schema accepts {what}: {json.dumps(doc['pattern'])}")
        failures += 1

print(f"{checked} scenarios checked, {len(bad)} refusals tried, {failures} failures")
sys.exit(1 if failures or checked == 0 else 0)
