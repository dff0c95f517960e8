"""JSON Schemas in kubeconform's layout, strict: an unknown field anywhere is an error.

Kubernetes' own kinds come from the kubernetes-validate package (PyPI), whose schemas share one
definitions file; each needed kind is written out standalone with the definitions it uses. Custom
resources get their CRD's openAPIV3Schema per served version.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate

# Kind schemas point into the shared file; the shared file points into itself.
_DEFS_REFS = ("/api/_definitions.json#/$defs/", "#/$defs/")


def _definition(ref: object) -> str | None:
    if isinstance(ref, str):
        for prefix in _DEFS_REFS:
            if ref.startswith(prefix):
                return ref.removeprefix(prefix)
    return None


def core_schema_dir(kube_version: str) -> Path:
    """The strict schemas of one Kubernetes minor version, e.g. "1.31"."""
    root = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    path = root / f"v{kube_version}.0-local-strict"
    if not path.is_dir():
        known = sorted(p.name for p in root.iterdir() if p.name.endswith("-local-strict"))
        raise ValueError(f"no schemas for Kubernetes {kube_version}; have {known}")
    return path


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        name = _definition(node.get("$ref"))
        if name is not None:
            yield name
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _rewrite(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: f"#/definitions/{_definition(v)}"
            if k == "$ref" and _definition(v) is not None
            else _rewrite(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    return node


def standalone(kind_schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """A kind's schema with the definitions it reaches inlined."""
    needed: dict[str, Any] = {}
    pending = list(_refs(kind_schema))
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        needed[name] = definitions[name]
        pending += list(_refs(definitions[name]))
    # "definitions" rather than "$defs": kubeconform compiles these as draft-04 schemas.
    schema = {k: v for k, v in _rewrite(kind_schema).items() if k not in ("$id", "$schema")}
    schema["definitions"] = {k: _rewrite(v) for k, v in needed.items()}
    return schema


def write_core(kinds: set[tuple[str, str]], kube_version: str, out: Path) -> None:
    """Write standalone schemas for (kind, apiVersion) pairs, named as kubeconform expects."""
    source = core_schema_dir(kube_version)
    definitions = json.loads((source / "_definitions.json").read_text())["$defs"]
    out.mkdir(parents=True, exist_ok=True)
    for kind, api_version in kinds:
        group, _, version = api_version.rpartition("/")
        suffix = f"-{group.split('.')[0]}-{version}" if group else f"-{version}"
        name = f"{kind.lower()}{suffix}.json"
        if (source / name).exists() and not (out / name).exists():
            schema = json.loads((source / name).read_text())
            (out / name).write_text(json.dumps(standalone(schema, definitions)))


def strict(node: Any) -> Any:
    """Forbid unknown fields wherever the CRD lists the fields and does not keep unknown ones."""
    if isinstance(node, list):
        return [strict(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: strict(v) for k, v in node.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def write_crds(crds: list[dict[str, Any]], out: Path) -> None:
    """Write each served version of each CRD as <group>/<kind>_<version>.json."""
    for crd in crds:
        spec = crd["spec"]
        for version in spec["versions"]:
            if not version.get("served", True):
                continue
            schema = strict(version["schema"]["openAPIV3Schema"])
            schema.setdefault("properties", {}).update(
                {
                    "apiVersion": {
                        "type": "string",
                        "enum": [f"{spec['group']}/{version['name']}"],
                    },
                    "kind": {"type": "string", "enum": [spec["names"]["kind"]]},
                    "metadata": {"type": "object"},
                }
            )
            path = out / spec["group"] / f"{spec['names']['kind'].lower()}_{version['name']}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(schema))


def locations(out: Path) -> list[str]:
    """kubeconform -schema-location templates for the directories written above."""
    return [
        str(out / "core" / "{{ .ResourceKind }}{{ .KindSuffix }}.json"),
        str(out / "crds" / "{{ .Group }}" / "{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"),
    ]
