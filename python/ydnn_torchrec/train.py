"""Trains an `export torchrec` bundle under torchrun and writes its weights back.

    torchrun --standalone --nproc-per-node=2 -m ydnn_torchrec.train BUNDLE [options]
    (BUNDLE/run.sh does this)

One process per rank: gloo on CPU, NCCL with one GPU per process. Tables live in
TorchRec collections under DistributedModelParallel (table-wise on CPU -- gloo has
no row-wise sharding -- the planner's choice on GPU) with a fused optimizer; the
dense modules are data-parallel. Each global step takes `batch` samples of one
permutation of the training set (the same on every rank), split evenly over the
ranks, so 1 and N ranks see the same batches. Gradients are those of the mean loss
over the global batch. Rank 0 gathers the unsharded weights into BUNDLE/trained/
(ydnn's tensor layout) with metrics.jsonl beside them.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.distributed as dist

from . import state, weights as wio
from .bundle import Bundle
from .losses import OutputLoss
from .net import YdnnNet


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bundle")
    ap.add_argument("--epochs", type=int, help="default: the recipe's")
    ap.add_argument("--batch", type=int, help="global samples per step (default: the recipe's)")
    ap.add_argument("--batch-per-rank", type=int, help="samples per rank per step (overrides --batch)")
    ap.add_argument("--lr", type=float, help="dense learning rate (default: the recipe's)")
    ap.add_argument("--table-optimizer", default="auto", choices=["auto", "rowwise_adagrad", "adam", "sgd"],
                    help="fused table optimizer; auto: the recipe's (adam -> rowwise_adagrad on CPU, "
                         "where fbgemm has no fused Adam)")
    ap.add_argument("--table-lr", type=float, help="table learning rate (default: the recipe's, "
                    "or 0.05 (ydnn's adagrad default) when row-wise Adagrad stands in for Adam)")
    ap.add_argument("--max-steps", type=int, help="stop after this many global steps (tests, benchmarks)")
    ap.add_argument("--log-every", type=int, default=100)
    ap.add_argument("--init", help="weights folder to start from (default: BUNDLE/init when exported with weights=on)")
    ap.add_argument("--fresh", action="store_true", help="ignore BUNDLE/init: draw fresh weights")
    ap.add_argument("--seed", type=int, help="default: the recipe's")
    ap.add_argument("--out", help="default: BUNDLE/trained")
    ap.add_argument("--no-write", action="store_true", help="do not write weights (benchmarks)")
    return ap.parse_args(argv)


def table_optimizer(args, training, on_gpu):
    import torchrec.optim as trec_optim
    o = training["optimizer"]
    kind = args.table_optimizer
    if kind == "auto":
        kind = {"adam": "adam" if on_gpu else "rowwise_adagrad", "adagrad": "rowwise_adagrad", "sgd": "sgd"}[o["kind"]]
    lr = args.table_lr
    if lr is None:
        lr = 0.05 if (kind == "rowwise_adagrad" and o["kind"] != "adagrad") else float(o["learningRate"])
    l2 = float(o.get("l2", 0))
    if kind == "rowwise_adagrad":
        return kind, trec_optim.RowWiseAdagrad, {"lr": lr, "eps": float(o.get("epsilon", 1e-8)), "weight_decay": l2}
    if kind == "adam":
        return kind, torch.optim.Adam, {"lr": lr, "betas": (float(o["beta1"]), float(o["beta2"])),
                                        "eps": float(o["epsilon"]), "weight_decay": l2}
    return kind, torch.optim.SGD, {"lr": lr, "weight_decay": l2}


def dense_optimizer(params, training, lr):
    o = training["optimizer"]
    lr = float(o["learningRate"]) if lr is None else lr
    l2 = float(o.get("l2", 0))
    if o["kind"] == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(float(o["beta1"]), float(o["beta2"])), eps=float(o["epsilon"]),
                                weight_decay=l2)
    if o["kind"] == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, eps=float(o["epsilon"]), weight_decay=l2)
    return torch.optim.SGD(params, lr=lr, weight_decay=l2)


def starting_weights(bundle, args, rank):
    folder = None if args.fresh else (args.init or bundle.init_weights)
    if folder:
        tensors, meta = wio.read(folder, bundle)
        if wio.fresh(meta):
            tensors = wio.with_output_bias_prior(bundle, tensors)
        return tensors, int(meta.get("epochs_trained", 0)), list(meta.get("loss_history") or []), folder
    seed = bundle.seed if args.seed is None else args.seed
    return wio.with_output_bias_prior(bundle, wio.initial(bundle, seed)), 0, [], None


def main(argv=None):
    args = parse(argv)
    on_gpu = torch.cuda.is_available()
    backend = "nccl" if on_gpu else "gloo"
    dist.init_process_group(backend)
    rank, world = dist.get_rank(), dist.get_world_size()
    if on_gpu:
        local = int(os.environ.get("LOCAL_RANK", 0))
        torch.cuda.set_device(local)
        device = torch.device(f"cuda:{local}")
    else:
        device = torch.device("cpu")

    from torchrec.distributed import DistributedModelParallel
    from torchrec.distributed.embedding import EmbeddingCollectionSharder
    from torchrec.distributed.embeddingbag import EmbeddingBagCollectionSharder
    from torchrec.distributed.planner import EmbeddingShardingPlanner, ParameterConstraints, Topology
    from torchrec.distributed.types import ShardingType
    from torchrec.optim.apply_optimizer_in_backward import apply_optimizer_in_backward

    bundle = Bundle(args.bundle)
    training = bundle.training
    epochs = training["epochs"] if args.epochs is None else args.epochs
    per_rank = args.batch_per_rank or max(1, (args.batch or training["batch"]) // world)
    global_batch = per_rank * world
    seed = bundle.seed if args.seed is None else args.seed
    tensors, epochs_before, history, init_from = starting_weights(bundle, args, rank)

    net = YdnnNet(bundle, table_device="meta")
    net.load_dense(tensors)
    tkind, tcls, tkw = table_optimizer(args, training, on_gpu)
    table_params = [p for m in (net.pooled, net.seq, net.output) if m is not None for p in m.parameters()]
    apply_optimizer_in_backward(tcls, table_params, dict(tkw))  # it consumes the dict
    sharders = [EmbeddingBagCollectionSharder(), EmbeddingCollectionSharder()]
    constraints = None if on_gpu else {
        t.name: ParameterConstraints(sharding_types=[ShardingType.TABLE_WISE.value]) for t in net.tables}
    planner = EmbeddingShardingPlanner(topology=Topology(world_size=world, compute_device=device.type),
                                       constraints=constraints)
    plan = planner.collective_plan(net, sharders, dist.GroupMember.WORLD)
    dmp = DistributedModelParallel(net, device=device, plan=plan, sharders=sharders)
    state.load(dmp, net, tensors)
    dense = [p for m in (net.lstm, net.query, net.weights_, net.biases) for p in m.parameters() if p.requires_grad]
    dopt = dense_optimizer(dense, training, args.lr)
    loss_fn = OutputLoss(bundle.spec, bundle.noise, seed)

    train = bundle.split("train")
    steps_per_epoch = train.samples // global_batch
    if steps_per_epoch == 0:
        raise SystemExit(f"ydnn_torchrec: {train.samples} training samples are fewer than one global batch of {global_batch}")
    total_steps = steps_per_epoch * epochs if args.max_steps is None else min(args.max_steps, steps_per_epoch * epochs)
    out_dir = args.out or os.path.join(bundle.root, "trained")
    metrics = None
    if rank == 0:
        os.makedirs(out_dir, exist_ok=True)
        metrics = open(os.path.join(out_dir, "metrics.jsonl"), "w")
        print(f"ydnn_torchrec: {world} rank(s) on {device.type} ({backend}), {train.samples} samples, "
              f"global batch {global_batch} ({per_rank} per rank), {steps_per_epoch} steps/epoch, {epochs} epoch(s); "
              f"dense {training['optimizer']['kind']} lr {dopt.param_groups[0]['lr']}, tables fused {tkind} lr {tkw['lr']}; "
              f"start: {init_from or 'fresh weights (ydnn initialisation)'}", flush=True)
        print(plan, flush=True)

    def emit(record):
        if metrics is not None:
            metrics.write(json.dumps(record) + "\n")
            metrics.flush()

    step = 0
    in_batch = loss_fn.kind == "in_batch"
    started = time.time()
    done = False
    for epoch in range(1, epochs + 1):
        perm = np.random.default_rng(seed * 100_003 + epoch).permutation(train.samples)
        epoch_sum = torch.zeros(2, dtype=torch.float64)
        t_epoch = time.time()
        window_t, window_n = time.time(), 0
        for s in range(steps_per_epoch):
            lo = s * global_batch + rank * per_rank
            batch = train.take(perm[lo:lo + per_rank])
            global_labels = None
            if in_batch:
                mine = torch.from_numpy(batch.labels).to(device)
                parts = [torch.zeros_like(mine) for _ in range(world)]
                dist.all_gather(parts, mine)
                global_labels = torch.cat(parts).cpu().numpy()
            cand, extra = loss_fn.candidates(batch.labels, step, rank, global_batch, global_labels)
            u, w, b = dmp(net.inputs(batch, cand, device))
            loss_sum = loss_fn.loss(u, w, b, batch.labels, extra, cand)
            dopt.zero_grad(set_to_none=True)
            (loss_sum / global_batch).backward()
            if world > 1:  # DDP averaged the dense gradients; the mean over the global batch is their sum
                for p in dense:
                    if p.grad is not None:
                        p.grad.mul_(world)
            dopt.step()
            # Collectives on the process's device: NCCL reduces CUDA tensors only.
            summed = torch.tensor([loss_sum.item(), float(batch.size)], dtype=torch.float64, device=device)
            dist.all_reduce(summed)
            summed = summed.cpu()
            if not np.isfinite(summed[0].item()):
                raise SystemExit(f"ydnn_torchrec: the loss became NaN or infinite at step {step + 1}; lower the learning rate")
            history.append(summed[0].item() / summed[1].item())
            epoch_sum += summed
            step += 1
            window_n += batch.size
            if step % args.log_every == 0 or s == steps_per_epoch - 1 or step == total_steps:
                now = time.time()
                rate = torch.zeros(world, dtype=torch.float64, device=device)
                rate[rank] = window_n / max(now - window_t, 1e-9)
                dist.all_reduce(rate)
                rate = rate.cpu()
                print(f"rank {rank}/{world} epoch {epoch} step {s + 1}/{steps_per_epoch} "
                      f"loss {epoch_sum[0].item() / epoch_sum[1].item():.4f} {rate[rank].item():.0f} samples/s", flush=True)
                emit({"event": "step", "epoch": epoch, "step": step, "loss": history[-1],
                      "epoch_loss": epoch_sum[0].item() / epoch_sum[1].item(),
                      "samples_per_second": rate.sum().item(), "samples_per_second_per_rank": rate.tolist(),
                      "seconds": now - started})
                window_t, window_n = now, 0
            if step == total_steps:
                done = True
                break
        emit({"event": "epoch", "epoch": epoch, "loss": epoch_sum[0].item() / max(epoch_sum[1].item(), 1),
              "samples": int(epoch_sum[1].item()), "seconds": time.time() - t_epoch,
              "samples_per_second": epoch_sum[1].item() / max(time.time() - t_epoch, 1e-9)})
        if rank == 0:
            print(f"epoch {epoch}: loss {epoch_sum[0].item() / max(epoch_sum[1].item(), 1):.4f}, "
                  f"{epoch_sum[1].item() / max(time.time() - t_epoch, 1e-9):.0f} samples/s over {world} rank(s)", flush=True)
        if done:
            break
    seconds = time.time() - started
    trained_epochs = epoch if step == steps_per_epoch * epoch else epoch - 1
    emit({"event": "done", "steps": step, "samples": step * global_batch, "seconds": seconds,
          "samples_per_second": step * global_batch / max(seconds, 1e-9), "ranks": world, "device": device.type})
    if not args.no_write:
        full = state.gather(dmp, net, rank, device)
        if rank == 0:
            wio.write(out_dir, bundle, full, epochs_before + trained_epochs, history)
            print(f"ydnn_torchrec: wrote {out_dir} ({step} steps, {step * global_batch / max(seconds, 1e-9):.0f} samples/s); "
                  f"read it back with: import torchrec \"{bundle.root}\"", flush=True)
    if metrics is not None:
        metrics.close()
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
