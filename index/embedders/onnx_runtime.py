"""The embedding model exported to ONNX and run by ONNX Runtime, for questions.

Why: a serving process embeds one question at a time. With torch, importing
torch and sentence-transformers takes about 13 s on two cores (most of a cold
start) and one question's forward pass about 35 ms; ONNX Runtime with the
`tokenizers` package loads in about 0.5 s and embeds a question in about 14 ms
on one thread, with the same vectors (max abs difference about 3e-7).

`export()` (`python -m index export-model`, run by `make`) loads the model with
sentence-transformers, exports its transformer with `torch.onnx.export`, and
keeps the export only if ONNX Runtime then gives sentence-transformers' vectors
(max abs difference at most MAX_DIFF on PROBES). It writes, under
var/models/<model>/ (or $SAFECITE_MODEL_CACHE), `model.onnx` and then
`export.json`, each by a temporary name and os.replace: export.json, written
last, records the model files it was made from (size and mtime), so an export
of other weights is never used.

`load_export()` returns an `OnnxEmbedder` when a matching export exists, None
when there is none (serving then uses sentence-transformers), and raises
ConfigError when one exists but is stale or damaged.

What it does not do: quantise (the vectors must equal the ones ingest stored),
or export models whose pooling is other than mean (the export refuses them).
"""
from __future__ import annotations

import json
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np


from core.errors import ConfigError
from core.settings import settings

from . import DEFAULT_MODEL, default_model_path

FORMAT = 1
MAX_DIFF = 1e-4
EXPORT_FILE, ONNX_FILE = "export.json", "model.onnx"
# Files of a sentence-transformers folder that decide the vectors.
_MODEL_FILES = ("model.safetensors", "pytorch_model.bin", "config.json", "tokenizer.json", "modules.json",
                "sentence_bert_config.json", "1_Pooling/config.json")
# Probe texts for the export check: both languages, spacing, numbers, and a
# text longer than the model's 256 tokens (truncation must match).
PROBES = (
    "How often must fixed carbon monoxide detectors be calibrated?",
    "  Dust removal systems in aluminium polishing shops shall be cleaned every shift.  ",
    "铝镁粉尘除尘系统应当采用负压吸尘方式，并设置锁气卸灰装置。",
    "第三十八条 煤气柜区域应设置一氧化碳报警装置 GB 6222-2005 § 5.3.1",
    "A",
    " ".join(["The ladle shall be inspected before each pour and its trunnions tested."] * 40),
    "冶金企业" * 300,
)


def cache_root() -> Path:
    return settings().model_cache


def export_folder(model: str, root: Path | None = None) -> Path:
    slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in model).strip("._") or "model"
    return (root or cache_root()) / slug


def model_path(model: str) -> Path | None:
    """The local folder of a model, or None (a hub name: not exported)."""
    if model == DEFAULT_MODEL:
        return Path(default_model_path())
    path = Path(model)
    return path if (path / "modules.json").exists() else None


def fingerprint(folder: Path) -> dict[str, list[int]]:
    out = {}
    for name in _MODEL_FILES:
        path = folder / name
        if path.exists():
            stat = path.stat()
            out[name] = [stat.st_size, stat.st_mtime_ns]
    return out


def _settings(folder: Path) -> dict:
    """Max tokens and lower-casing from the model's own config; refuses pooling other than mean."""
    modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or set(kinds[2:]) - {"Normalize"}:
        raise ConfigError(f"{folder}: modules {kinds}: only Transformer -> Pooling [-> Normalize] can be exported")
    pooling_dir = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
    pooling = json.loads((folder / pooling_dir / "config.json").read_text(encoding="utf-8"))
    modes = sorted(k for k, v in pooling.items() if k.startswith("pooling_mode") and v)
    if modes != ["pooling_mode_mean_tokens"]:
        raise ConfigError(f"{folder}: pooling {modes}: only mean pooling can be exported")
    config_file = folder / "sentence_bert_config.json"
    config = json.loads(config_file.read_text(encoding="utf-8")) if config_file.exists() else {}
    return {"max_tokens": int(config.get("max_seq_length") or 512), "lower": bool(config.get("do_lower_case"))}


def session(onnx_file: Path, threads: int | None, redo: str):
    """An ONNX Runtime session on the CPU, on `threads` (None: all cores); a
    file it cannot load is a ConfigError saying `redo`."""
    try:
        import onnxruntime
    except ImportError as exc:
        raise ConfigError("serving with an ONNX export needs onnxruntime (pip install -r requirements.txt)") from exc

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads or 0  # 0: ONNX Runtime's default (all cores)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return onnxruntime.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # truncated or foreign file
        raise ConfigError(f"cannot load the ONNX export {onnx_file}: {exc}; {redo}") from exc


class OnnxEmbedder:
    """Tokenise with the model's tokenizer.json, run the exported transformer,
    mean-pool over the attention mask, L2-normalise: what sentence-transformers
    does for a Transformer -> Pooling(mean) -> Normalize model."""

    def __init__(self, model: str, folder: Path, onnx_file: Path, threads: int | None = 1, batch_size: int = 32) -> None:
        try:
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ConfigError("serving with an ONNX export needs tokenizers (pip install -r requirements.txt)") from exc
        settings = _settings(folder)
        self.name, self.max_tokens, self.lower, self.batch_size = model, settings["max_tokens"], settings["lower"], batch_size
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # tokenizer.json carries its own truncation and fixed padding (128 for this
        # model); the model's max_seq_length and pad-to-longest are what count.
        self.tokenizer.enable_truncation(max_length=self.max_tokens)
        padding = self.tokenizer.padding or {}
        self.tokenizer.enable_padding(pad_id=padding.get("pad_id", 0), pad_token=padding.get("pad_token", "[PAD]"))
        self.session = session(onnx_file, threads, "re-export with: python -m index export-model")
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.dim = int(self.session.get_outputs()[0].shape[-1])

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [self._embed(list(texts[i:i + self.batch_size])) for i in range(0, len(texts), self.batch_size)]
        return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)

    def _embed(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch([t.lower() if self.lower else t for t in texts])
        arrays = {"input_ids": [e.ids for e in encodings], "attention_mask": [e.attention_mask for e in encodings],
                  "token_type_ids": [e.type_ids for e in encodings]}
        feeds = {name: np.asarray(arrays[name], dtype=np.int64) for name in self.inputs}
        hidden = self.session.run(None, feeds)[0]
        mask = np.asarray(arrays["attention_mask"], dtype=np.float32)[..., None]
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def read_record(folder: Path, redo: str) -> dict | None:
    """An export's record (export.json): None when there is none or exports are
    switched off (SAFECITE_ONNX=0); ConfigError, saying `redo`, when unreadable."""
    record_file = folder / EXPORT_FILE
    if not settings().onnx or not record_file.exists():
        return None
    try:
        return json.loads(record_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"unreadable ONNX export record {record_file}: {exc}; {redo}") from exc


def checked_file(folder: Path, record: dict, redo: str) -> Path:
    """The export's ONNX file, if it is the one the record says was checked."""
    onnx_file = folder / ONNX_FILE
    if not onnx_file.exists() or onnx_file.stat().st_size != record.get("onnx_bytes"):
        raise ConfigError(f"{onnx_file} is missing or not the file that was checked; {redo}")
    return onnx_file


def write_record(folder: Path, record: dict) -> None:
    """export.json, by a temporary name and os.replace: written last, it makes the export valid."""
    handle, tmp = tempfile.mkstemp(dir=folder, suffix=".json.tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(record, out, indent=2)
    os.chmod(tmp, 0o644)
    os.replace(tmp, folder / EXPORT_FILE)


def load_export(model: str, threads: int | None = 1, root: Path | None = None) -> OnnxEmbedder | None:
    """The export of `model` as an embedder; None when there is none or
    SAFECITE_ONNX=0; ConfigError when it does not match the model's files."""
    redo = "re-export with: python -m index export-model"
    folder = export_folder(model, root)
    record = read_record(folder, redo)
    if record is None:
        return None
    source = model_path(model)
    if record.get("format") != FORMAT or source is None or record.get("model") != model:
        raise ConfigError(f"the ONNX export in {folder} is of another format or model; {redo}")
    if record.get("fingerprint") != fingerprint(source):
        raise ConfigError(f"the ONNX export in {folder} was made from other files of {model!r}; {redo}")
    onnx_file = checked_file(folder, record, redo)
    return OnnxEmbedder(model, source, onnx_file, threads=threads)


def _export_checked(model: str, source: Path, reference, target: Path) -> float:
    """Export `reference`'s transformer to ONNX at `target`, only if its vectors
    agree with sentence-transformers' on the probes; the largest difference."""
    import torch

    transformer = reference.model[0].auto_model.eval()
    features = reference.model.tokenize(["a question", "a longer passage of text"])
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in features]

    class Transformer(torch.nn.Module):  # token ids in, the last hidden state out
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
            return self.inner(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state

    batch, seq = torch.export.Dim("batch"), torch.export.Dim("seq", max=reference.max_tokens)
    handle, tmp = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
    os.close(handle)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's notes on axis names and deprecations
            torch.onnx.export(Transformer(transformer), tuple(features[n] for n in names), tmp, input_names=names,
                              output_names=["last_hidden_state"], dynamic_shapes={n: {0: batch, 1: seq} for n in names},
                              dynamo=True, external_data=False, verbose=False)
        candidate = OnnxEmbedder(model, source, Path(tmp), threads=None)
        texts = list(PROBES)
        diff = max(float(np.abs(candidate.embed(texts) - reference.embed(texts)).max()),
                   max(float(np.abs(candidate.embed([t]) - reference.embed([t])).max()) for t in texts))
        if diff > MAX_DIFF:
            raise ConfigError(f"the ONNX export of {model!r} gives other vectors than sentence-transformers "
                              f"(max abs difference {diff:.2e} > {MAX_DIFF}); not kept")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return diff


def export(model: str = DEFAULT_MODEL, root: Path | None = None, force: bool = False) -> dict:
    """Export `model`, check it against sentence-transformers, keep it only if it agrees."""
    source = model_path(model)
    if source is None:
        raise ConfigError(f"{model!r} is not a local sentence-transformers folder; give its path to export it")
    _settings(source)  # refuse what cannot be exported before loading torch
    folder = export_folder(model, root)
    record_file = folder / EXPORT_FILE
    if not force and record_file.exists():
        try:
            if load_export(model, root=root) is not None:
                return {**json.loads(record_file.read_text(encoding="utf-8")), "exported": False}
        except ConfigError:
            pass  # stale or damaged: export again
    import onnxruntime
    import torch

    from .sbert import SentenceTransformerEmbedder

    reference = SentenceTransformerEmbedder(model)
    folder.mkdir(parents=True, exist_ok=True)
    record_file.unlink(missing_ok=True)  # the old export is invalid from here until the new one is checked
    diff = _export_checked(model, source, reference, folder / ONNX_FILE)
    record = {"format": FORMAT, "model": model, "source": str(source), "fingerprint": fingerprint(source),
              "onnx_bytes": (folder / ONNX_FILE).stat().st_size, "max_abs_diff": diff, "probes": len(PROBES),
              "torch": torch.__version__, "onnxruntime": onnxruntime.__version__}
    write_record(folder, record)
    return {**record, "exported": True}
