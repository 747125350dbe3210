// Data-parallel training of one model over processes, with torch.distributed's
// c10d: rendezvous through a TCPStore, collectives over Gloo (CPU tensors;
// CUDA tensors are staged through host memory).
//
// Who is who comes from the launcher's environment, as PyTorch reads it:
//   torchrun:  RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT
//   srun:      SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID; the first host of
//              SLURM_JOB_NODELIST (or MASTER_ADDR) and MASTER_PORT (default
//              20000 + the job id modulo 20000)
// Every process runs the same command; rank 0 alone writes the run folder.
#pragma once

#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace neuroreg {

struct DistributedEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr;
  int master_port = 0;
  std::string launcher;  ///< "torchrun environment" or "srun", for messages
};

/// The launcher's environment, or world size 1 (rank 0) when no launcher
/// started this process. Throws std::runtime_error naming the variable when
/// one is set but wrong (not a number, rank out of range, no master).
DistributedEnv distributed_env();

/// A localhost port nobody listens on now: a rendezvous for processes
/// started on this machine (bench, tests). Throws std::runtime_error when
/// none can be had.
int free_loopback_port();

/// First host of a Slurm node list: "node[03-05,9],gpu1" → "node03".
std::string first_slurm_host(const std::string& nodelist);

/// A group of processes training one model. With world size 1 every call is
/// a no-op and nothing is opened.
class DataParallel {
 public:
  /// Rendezvous with the other processes; throws std::runtime_error naming
  /// MASTER_ADDR:MASTER_PORT when they do not all arrive within `timeout`.
  DataParallel(const DistributedEnv& env, std::chrono::seconds timeout);
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  int rank() const { return env_.rank; }
  int world_size() const { return env_.world_size; }
  const DistributedEnv& env() const { return env_; }

  /// Overwrites `tensors` (any device) with rank 0's values.
  void broadcast(const std::vector<torch::Tensor>& tensors);

  /// Replaces each defined gradient of `parameters` by its mean over the
  /// processes: flattened into buckets of about 25 MB, all buckets in flight
  /// at once.
  void average_gradients(const std::vector<torch::Tensor>& parameters);

  /// The element-wise sum over the processes of a small double tensor.
  torch::Tensor sum(const torch::Tensor& values);

  /// Rank 0's `value` under `key` (each key used once), on every process.
  /// The others wait without a time limit, since rank 0 may be evaluating a
  /// model meanwhile; if it dies, its store goes with it and they fail.
  std::string from_rank0(const std::string& key, const std::string& value);

  /// Seconds spent in collectives so far (waiting for others included).
  double communication_seconds() const { return communication_seconds_; }

 private:
  struct Group;
  DistributedEnv env_;
  std::chrono::seconds timeout_;
  std::unique_ptr<Group> group_;
  double communication_seconds_ = 0;
};

}  // namespace neuroreg
