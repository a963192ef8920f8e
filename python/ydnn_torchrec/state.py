"""Moving weights between ydnn's layout ({tensor name: [rows, cols]}) and the network,
sharded (DistributedModelParallel: each rank writes its own shards, rank 0 gathers)
or not."""
import numpy as np
import torch
import torch.distributed as dist


def _table_name(key):
    """'pooled.embedding_bags.t0_user_id.weight' -> 't0_user_id' (None for dense tensors)."""
    parts = key.split(".")
    for marker in ("embedding_bags", "embeddings"):
        if marker in parts:
            i = parts.index(marker)
            if i + 2 < len(parts) + 1 and parts[-1] == "weight":
                return parts[i + 1]
    return None


def _is_sharded(v):
    return type(v).__name__ == "ShardedTensor"


def table_entries(module):
    """(state_dict key, table name, tensor) of every embedding table."""
    out = []
    for key, v in module.state_dict().items():
        name = _table_name(key)
        if name is not None:
            out.append((key, name, v))
    return out


def load(module, net, weights):
    """Copies ydnn-layout weights into the network: tables (each rank its local shards) and dense tensors."""
    with torch.no_grad():
        for _, name, v in table_entries(module):
            table = net.table_by_name(name)
            full = None
            if _is_sharded(v):
                for shard in v.local_shards():
                    (r0, c0), (rs, cs) = shard.metadata.shard_offsets, shard.metadata.shard_sizes
                    if full is None:
                        full = table.full(weights)
                    shard.tensor.copy_(torch.from_numpy(full[r0:r0 + rs, c0:c0 + cs]))
            else:
                v.copy_(torch.from_numpy(table.full(weights)))
        net.load_dense(weights)
    # The shards must be views of the kernels' weights, or the copy above did nothing.
    for _, name, v in table_entries(module):
        table = net.table_by_name(name)
        shards = v.local_shards() if _is_sharded(v) else []
        if shards:
            s = shards[0]
            (r0, c0), (rs, cs) = s.metadata.shard_offsets, s.metadata.shard_sizes
            want = torch.from_numpy(table.full(weights)[r0:r0 + rs, c0:c0 + cs])
            if not torch.allclose(s.tensor.detach().cpu(), want):
                raise RuntimeError(f"loading table {name} did not reach its kernel")


def gather(module, net, rank, device=torch.device("cpu")):
    """The unsharded weights in ydnn's layout, on rank 0 (None elsewhere). Collective;
    the gathered table is assembled on the process's device (NCCL moves CUDA tensors only)."""
    out = {} if rank == 0 else None
    for _, name, v in table_entries(module):
        table = net.table_by_name(name)
        if _is_sharded(v):
            full = torch.zeros(v.size(), dtype=torch.float32, device=device) if rank == 0 else None
            v.gather(dst=0, out=full)
        else:
            full = v.detach() if rank == 0 else None
        if rank == 0:
            table.split(full.cpu().numpy(), out)
    if rank == 0:
        net.dense_to_ydnn(out)
    if dist.is_initialized():
        dist.barrier()
    return out
