/// The texts `export torchrec` writes beside the data: FORMAT.md (the bundle's
/// layout for readers other than python/ydnn_torchrec) and run.sh.
public enum TorchRecFormat {
    public static let notes = """
    # ydnn TorchRec export (format \(TorchRecBundle.format) \(TorchRecBundle.version))

    Written by `export torchrec "DIR"`; trained by `bash DIR/run.sh` (python/ydnn_torchrec under
    torchrun); read back by `import torchrec "DIR"` or `load model "DIR"`. Everything is JSON or
    NumPy `.npy` (format 1.0, little-endian, C order): `numpy.load(path, mmap_mode="r")` streams it.

    ## Files
    - `bundle.json`: `format`, `version`; `spec_file` and `spec_hash` (FNV-1a 64 of the spec
      file's bytes without its final newline); `features` (name, kind single|multi|sequence|dense,
      vocabulary_size); `item_count`; `seed`; `training` (epochs, batch = global samples per step,
      optimizer {kind, learningRate, l2, beta1, beta2, epsilon}); `tensors` (the model's weights in
      ydnn's order: name, rows, cols, sparse, owner, role, init_kind gaussian|zeros|lstm|dense,
      init_std, init_relu); `splits`; `vocabularies`; `init_weights` (folder or null).
    - `model_spec.json`: ydnn's ModelSpec with every field: `encoders` (kind embedding|lstm|attention,
      feature, dim, hidden, pool avg|sum|max|last, weighted, lastSlot), `denseInputs`, `hidden`
      (units, activation relu|none), `normalize`, `temperature`, `output` (loss
      nce|sampled_softmax|full_softmax|in_batch, negatives, noise {kind, power|threshold}, logQ, bias).
    - `noise.npy`: float32 [item_count], the noise / sampling distribution q (sums to 1).
      NCE uses k·q(j); sampled softmax draws from q; log-Q subtracts log q; the output bias starts at log q.
    - `vocab/NAME.json`: the keys of vocabulary NAME, by id (id 0 is `<unk>` or the pad).
    - `data/SPLIT/NNNNN/` for SPLIT in train (training samples, after vocab, split, window/history,
      example_age, damping and cap, in ydnn's order), test (one sample per tested user at the
      held-out click) and serving (one per user after all their clicks, as `vectors users` and
      `mine` use): `labels.npy` int32 [n] (item id), `users.npy` int32 [n] (user index),
      `sparse.F.offsets.npy` int64 [n+1] and `sparse.F.ids.npy` int32 (sample i's ids of feature F are
      `ids[offsets[i]:offsets[i+1]]`, oldest first for sequences), `sparse.F.weights.npy` float32 (when
      the split's `sparse[F]` is true), `dense.F.npy` float32 [n].
    - `init/` (with `weights=on`) and `trained/` (written by the run's rank 0): `weights.json`
      (`format` \(TorchRecBundle.weightsFormat), `spec_hash`, `tensors` [{name, rows, cols, file}],
      `epochs_trained`, `loss_history`) and one float32 `.npy` [rows, cols] per tensor, named and shaped
      as in `bundle.json`'s `tensors` (e.g. `lstm.items.wx` is dim × 4·hidden, gates i, f, g, o;
      `output.w` items × tower width; `output.b` items × 1).
    - `trained/metrics.jsonl`: one JSON object per line (step or epoch: loss, samples/s per rank and in total).

    """

    /// run.sh: torchrun on this machine (`--standalone`, `nproc` processes), or the
    /// caller's launcher arguments in TORCHRUN_ARGS (several nodes); extra arguments go
    /// to the trainer (`bash run.sh --epochs 1`).
    public static func runScript(python: String?, nproc: Int) -> String {
        let package = python.map { "\"${YDNN_TORCHREC_PYTHON:-\($0)}\"" } ?? "\"${YDNN_TORCHREC_PYTHON:?set YDNN_TORCHREC_PYTHON to ydnn's python/ folder}\""
        let venv = python.map { "\"${YDNN_TORCHREC_VENV:-\($0)/../.venv-torchrec}\"" } ?? "\"${YDNN_TORCHREC_VENV:-}\""
        return """
        #!/usr/bin/env bash
        # Trains this ydnn export with TorchRec under torchrun and writes trained/ (rank 0),
        # which `import torchrec "THIS_FOLDER"` reads back. Written by `export torchrec`.
        #   bash run.sh                           # \(nproc) processes here (CPU: gloo; GPUs: NCCL, one per GPU)
        #   NPROC=8 bash run.sh --batch-per-rank 1024
        #   TORCHRUN_ARGS="--nnodes=4 --nproc-per-node=8 --rdzv-backend=c10d --rdzv-endpoint=HOST:29400" bash run.sh
        # YDNN_TORCHREC_PYTHON: the folder holding ydnn_torchrec; YDNN_TORCHREC_VENV: a venv with
        # torch, fbgemm-gpu and torchrec (scripts/setup-torchrec.sh), else torchrun from PATH.
        set -euo pipefail
        here="$(cd "$(dirname "$0")" && pwd)"
        package=\(package)
        venv=\(venv)
        export PYTHONPATH="$package${PYTHONPATH:+:$PYTHONPATH}"
        torchrun=torchrun
        if [ -n "$venv" ] && [ -x "$venv/bin/torchrun" ]; then torchrun="$venv/bin/torchrun"; fi
        if [ -n "${TORCHRUN_ARGS:-}" ]; then
            # shellcheck disable=SC2086
            exec "$torchrun" $TORCHRUN_ARGS -m ydnn_torchrec.train "$here" "$@"
        fi
        exec "$torchrun" --standalone --nproc-per-node="${NPROC:-\(nproc)}" -m ydnn_torchrec.train "$here" "$@"

        """
    }
}
