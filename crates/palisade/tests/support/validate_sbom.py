"""Validates SBOM documents with the formats' own tooling.

usage: validate_sbom.py cyclonedx|spdx FILE
CycloneDX: the official 1.5 JSON schema shipped in cyclonedx-python-lib (strict validator).
SPDX: spdx-tools parses the JSON document and validates it against the SPDX 2.3 specification.
Prints every problem and exits 1 if there is any.
"""
import sys


def cyclonedx(path):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    with open(path) as f:
        error = JsonStrictValidator(SchemaVersion.V1_5).validate_str(f.read())
    return [str(error)] if error else []


def spdx(path):
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    document = parse_file(path)
    return [m.validation_message for m in validate_full_spdx_document(document, "SPDX-2.3")]


def main():
    kind, path = sys.argv[1], sys.argv[2]
    problems = {"cyclonedx": cyclonedx, "spdx": spdx}[kind](path)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
