"""The OpenAPI 3.1 document of /api/v1: `openapi_document` (paths, in document.py) over the
response schemas (schemas.py), with enums and limits derived from the code and Settings."""

from .document import openapi_document
from .schemas import SCHEMAS, enum_schema

__all__ = ["SCHEMAS", "enum_schema", "openapi_document"]
