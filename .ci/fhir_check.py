"""Checks FHIR JSON files against the fhir.resources models (R4B, whose resources congso serves are R4's):
required elements, types, choice elements, no element FHIR does not define. Used by crates/health/tests/api.rs."""
import json
import sys

from fhir.resources.R4B import get_fhir_model_class

failed = False
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    try:
        get_fhir_model_class(data["resourceType"]).parse_obj(data)
        print(f"{path}: a valid {data['resourceType']}")
    except Exception as e:  # the library's validation errors, whatever their class
        failed = True
        print(f"{path}: not a valid {data.get('resourceType')}: {e}", file=sys.stderr)
sys.exit(1 if failed else 0)
