"""Schemathesis hooks for 50-schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

`POST /api/v1/conversations/bulk` takes newline-delimited JSON, documented as a string body of type
`application/x-ndjson`; schemathesis has no serializer for that media type, so the generated string is sent as is.
"""
import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    # Not a string (negative tests): one JSON document per line.
    items = value if isinstance(value, list) else [value]
    return "\n".join(json.dumps(item) for item in items).encode("utf-8", "surrogatepass")
