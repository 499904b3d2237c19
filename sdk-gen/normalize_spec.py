"""Rewrites sdk-gen/openapi.json into what the SDK generators need, on stdout.

1. poem-openapi leaves an `Option<T>` field out of `required` but does not mark it nullable,
   while the server sends `null` for it; generated models would then reject real answers
   (openapi-python-client calls fromisoformat(None)). Optional properties are made nullable.
2. poem-openapi describes a documented field that refers to another schema as
`allOf: [{$ref}, {description}]`; the generator rejects that ("Cannot take allOf a non-object")
and drops the whole model. The second member only carries the description, so it is folded
into a plain `$ref` with the description beside it (OpenAPI 3.1 allows siblings of `$ref`).
3. The error body leaves `errors` out when it is empty (`skip_serializing_if_is_empty`), yet
   poem-openapi lists it as required; it is made optional.
4. Documents that are XML (SAML metadata) have media types openapi-python-client does not know;
   it would drop the response. They are described as `application/octet-stream` (bytes), which
   is what a client gets anyway.
"""

import json
import sys


def fold(node):
    if isinstance(node, dict):
        all_of = node.get("allOf")
        if (
            isinstance(all_of, list)
            and len(all_of) == 2
            and set(all_of[0]) == {"$ref"}
            and set(all_of[1]) <= {"description", "default", "example"}
        ):
            rest = {k: v for k, v in node.items() if k != "allOf"}
            rest.update(all_of[1])
            rest["$ref"] = all_of[0]["$ref"]
            node = rest
        return {k: fold(v) for k, v in node.items()}
    if isinstance(node, list):
        return [fold(v) for v in node]
    return node


def nullable(prop):
    if "$ref" in prop:
        rest = {k: v for k, v in prop.items() if k != "$ref"}
        return {**rest, "anyOf": [{"$ref": prop["$ref"]}, {"type": "null"}]}
    if "type" in prop and prop.get("nullable") is not True:
        return {**prop, "nullable": True}
    return prop


def optional_nullable(spec):
    error = spec.get("components", {}).get("schemas", {}).get("Error", {})
    error["required"] = [r for r in error.get("required", []) if r != "errors"]
    for schema in spec.get("components", {}).get("schemas", {}).values():
        required = set(schema.get("required", []))
        props = schema.get("properties", {})
        for name, prop in props.items():
            if name not in required:
                props[name] = nullable(prop)
    return spec


def xml_as_bytes(spec):
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            for response in operation.get("responses", {}).values() if isinstance(operation, dict) else []:
                content = response.get("content", {})
                for media in [m for m in content if m.endswith("+xml") or m.endswith("/xml")]:
                    content["application/octet-stream"] = {"schema": {"type": "string", "format": "binary"}}
                    del content[media]
    return spec


with open(sys.argv[1], encoding="utf-8") as f:
    spec = json.load(f)
json.dump(xml_as_bytes(optional_nullable(fold(spec))), sys.stdout, indent=2)
