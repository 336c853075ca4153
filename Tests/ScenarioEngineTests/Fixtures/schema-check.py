"""Validates YAML files against specs/scenario.schema.json (JSON Schema draft 2020-12).

Usage: python3 schema-check.py SCHEMA FILE...
Prints one line per file: "accept <file>" or "reject <file>: <first error>".
Exit status 3 when jsonschema or PyYAML is missing (Debian: python3-jsonschema python3-yaml).
"""
import json
import sys

try:
    import jsonschema
    import yaml
except ImportError as error:  # the Swift test reports this as a skip with the reason
    print(f"missing python module: {error.name}", file=sys.stderr)
    sys.exit(3)

schema = json.load(open(sys.argv[1], encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
for path in sys.argv[2:]:
    try:
        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        print(f"reject {path}: YAML: {str(error).splitlines()[0]}")
        continue
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    if errors:
        print(f"reject {path}: {'/'.join(map(str, errors[0].path))}: {errors[0].message[:160]}")
    else:
        print(f"accept {path}")
