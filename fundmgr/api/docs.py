"""The API's documentation page (`/api/v1/docs`): the OpenAPI document shown as a page, without script."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from fundmgr.web import FundView, add_view

bp = Blueprint("api_docs", __name__)

METHODS = ("get", "post", "put", "patch", "delete")


def openapi_document() -> dict[str, Any]:
    """The app's OpenAPI document, as flask-smorest builds it from the routes and schemas."""
    api = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    document: dict[str, Any] = api.spec.to_dict()
    return document


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation of the document, in path order: method, path, summary, parameters, body and answer schemas."""
    found = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            answers = {
                status: answer.get("content", {}).get("application/json", {}).get("schema")
                for status, answer in operation.get("responses", {}).items()
                if isinstance(answer, dict) and str(status).startswith("2")
            }
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [*item.get("parameters", []), *operation.get("parameters", [])],
                    "body": body,
                    "answers": answers,
                }
            )
    return found


def schema_name(schema: dict[str, Any] | None) -> str:
    """The name of a referenced schema ("#/components/schemas/Proposal" -> "Proposal")."""
    if not schema:
        return ""
    return str(schema.get("$ref", "")).rsplit("/", 1)[-1]


def field_type(spec: dict[str, Any]) -> str:
    """What a schema's field holds: its type(s), the schema it refers to, or a list of them."""
    if "$ref" in spec:
        return schema_name(spec)
    kind = spec.get("type", "")
    kinds = [kind] if isinstance(kind, str) else list(kind)
    if "array" in kinds and isinstance(spec.get("items"), dict):
        return f"[{field_type(spec['items'])}]"
    return " | ".join(k for k in kinds if k) or "object"


class ApiDocsView(FundView):
    """The JSON API's reference: every route with its parameters and schemas, from the OpenAPI document."""

    login_required = False
    fund_scoped = False  # about the installation, not one fund

    def process(self):
        document = openapi_document()
        return render_template(
            "api/docs.html",
            document=document,
            operations=operations(document),
            schemas=document.get("components", {}).get("schemas", {}),
            schema_name=schema_name,
            field_type=field_type,
        )


add_view(bp, "/api/v1/docs", ApiDocsView, "docs")
