#include "distributed/data_parallel.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_format.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

namespace neuroreg {
namespace {

using Clock = std::chrono::steady_clock;

const char* env_var(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

int env_int(const char* name, int least, int most) {
  const char* text = env_var(name);
  int value = 0;
  if (text == nullptr || !absl::SimpleAtoi(text, &value) || value < least || value > most) {
    throw std::runtime_error(absl::StrFormat(
        "data-parallel launch: environment variable %s must be a whole number in %d..%d, got "
        "'%s'",
        name, least, most, text == nullptr ? "" : text));
  }
  return value;
}

// c10d's message without the C++ backtrace LibTorch appends.
std::string reason(const std::exception& e) {
  const auto* c10 = dynamic_cast<const c10::Error*>(&e);
  std::string text = c10 != nullptr ? c10->what_without_backtrace() : e.what();
  if (size_t at = text.find("\nException raised from"); at != std::string::npos) text.resize(at);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// A c10d failure as this run's error: who failed and what to look at.
[[noreturn]] void collective_failed(const DistributedEnv& env, std::chrono::seconds timeout,
                                    const char* what, const std::exception& e) {
  throw std::runtime_error(absl::StrFormat(
      "data-parallel training: rank %d of %d: %s failed: another process died or did not "
      "answer within %d s ([run] distributed_timeout); see its log. (%s)",
      env.rank, env.world_size, what, timeout.count(), reason(e)));
}

constexpr int64_t kBucketBytes = 25 << 20;

}  // namespace

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("no free localhost port for a rendezvous");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string first_slurm_host(const std::string& nodelist) {
  // The first entry ends at a comma outside brackets.
  size_t end = 0;
  int depth = 0;
  for (; end < nodelist.size(); ++end) {
    if (nodelist[end] == '[') ++depth;
    if (nodelist[end] == ']') --depth;
    if (nodelist[end] == ',' && depth == 0) break;
  }
  const std::string first = nodelist.substr(0, end);
  const size_t open = first.find('[');
  if (open == std::string::npos) return first;
  // "node[03-05,9]" → prefix + the first number of the range, zero padding kept.
  const size_t stop = first.find_first_of(",-]", open + 1);
  return first.substr(0, open) + first.substr(open + 1, stop - open - 1);
}

DistributedEnv distributed_env() {
  DistributedEnv e;
  if (env_var("WORLD_SIZE") != nullptr) {
    e.launcher = "torchrun environment";
    e.world_size = env_int("WORLD_SIZE", 1, 1 << 16);
    e.rank = env_int("RANK", 0, e.world_size - 1);
    e.local_rank = env_var("LOCAL_RANK") ? env_int("LOCAL_RANK", 0, e.world_size - 1) : 0;
    if (e.world_size > 1) {
      if (env_var("MASTER_ADDR") == nullptr) {
        throw std::runtime_error("data-parallel launch: WORLD_SIZE is set but MASTER_ADDR is not");
      }
      e.master_addr = env_var("MASTER_ADDR");
      e.master_port = env_int("MASTER_PORT", 1, 65535);
    }
  } else if (env_var("SLURM_NTASKS") != nullptr && env_var("SLURM_PROCID") != nullptr) {
    e.launcher = "srun";
    e.world_size = env_int("SLURM_NTASKS", 1, 1 << 16);
    e.rank = env_int("SLURM_PROCID", 0, e.world_size - 1);
    e.local_rank = env_var("SLURM_LOCALID") ? env_int("SLURM_LOCALID", 0, e.world_size - 1) : 0;
    if (e.world_size > 1) {
      if (env_var("MASTER_ADDR") != nullptr) {
        e.master_addr = env_var("MASTER_ADDR");
      } else if (const char* nodes = env_var("SLURM_JOB_NODELIST"); nodes != nullptr) {
        e.master_addr = first_slurm_host(nodes);
      } else {
        throw std::runtime_error(
            "data-parallel launch under srun: neither MASTER_ADDR nor SLURM_JOB_NODELIST is set");
      }
      if (env_var("MASTER_PORT") != nullptr) {
        e.master_port = env_int("MASTER_PORT", 1, 65535);
      } else {
        // One port per job, so two jobs sharing a node do not meet.
        const int job = env_var("SLURM_JOB_ID") ? env_int("SLURM_JOB_ID", 0, 1 << 30) : 0;
        e.master_port = 20000 + job % 20000;
      }
    }
  }
  return e;
}

struct DataParallel::Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
};

DataParallel::DataParallel(const DistributedEnv& env_in, std::chrono::seconds timeout)
    : env_(env_in), timeout_(timeout) {
  if (env_.world_size == 1) return;
  group_ = std::make_unique<Group>();
  // Meeting: the store at MASTER_ADDR:MASTER_PORT (rank 0 serves it), then
  // Gloo's connections between every pair of processes.
  auto could_not_meet = [&](const std::exception& e) {
    return std::runtime_error(absl::StrFormat(
        "data-parallel training: rank %d of %d could not meet the others at %s:%d within %d s "
        "(%s; rank 0 listens there; [run] distributed_timeout): %s",
        env_.rank, env_.world_size, env_.master_addr, env_.master_port, timeout.count(),
        env_.launcher, reason(e)));
  };
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<uint16_t>(env_.master_port);
    options.isServer = env_.rank == 0;
    options.numWorkers = env_.world_size;
    options.waitWorkers = true;
    options.timeout = timeout;
    group_->store = c10::make_intrusive<c10d::TCPStore>(env_.master_addr, options);
  } catch (const std::exception& e) {
    throw could_not_meet(e);
  }
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  // Gloo's own connections: on the loopback when the master is local (a
  // one-machine job), else on the interface of this host's name, unless
  // GLOO_SOCKET_IFNAME names one.
  if (const char* ifname = env_var("GLOO_SOCKET_IFNAME"); ifname != nullptr) {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
  } else if (env_.master_addr == "127.0.0.1" || env_.master_addr == "localhost") {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  } else {
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  }
  try {
    group_->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(group_->store, env_.rank,
                                                               env_.world_size, options);
  } catch (const std::exception& e) {
    throw could_not_meet(e);
  }
}

DataParallel::~DataParallel() = default;

void DataParallel::broadcast(const std::vector<torch::Tensor>& tensors) {
  if (!group_) return;
  const auto start = Clock::now();
  torch::NoGradGuard no_grad;
  try {
    for (const torch::Tensor& t : tensors) {
      std::vector<torch::Tensor> staged{t.device().is_cpu() ? t.contiguous()
                                                            : t.to(torch::kCPU).contiguous()};
      group_->gloo->broadcast(staged)->wait();
      if (!staged[0].is_same(t)) t.copy_(staged[0]);
    }
  } catch (const std::exception& e) {
    collective_failed(env_, timeout_, "broadcasting rank 0's weights", e);
  }
  communication_seconds_ += std::chrono::duration<double>(Clock::now() - start).count();
}

void DataParallel::average_gradients(const std::vector<torch::Tensor>& parameters) {
  if (!group_) return;
  const auto start = Clock::now();
  torch::NoGradGuard no_grad;
  // Buckets of same-dtype gradients, last parameters first (the order the
  // backward pass produces them).
  std::vector<std::vector<torch::Tensor>> buckets;
  int64_t bytes = kBucketBytes;
  for (auto it = parameters.rbegin(); it != parameters.rend(); ++it) {
    const torch::Tensor& grad = it->grad();
    if (!grad.defined()) continue;
    const int64_t size = grad.numel() * static_cast<int64_t>(grad.element_size());
    if (bytes + size > kBucketBytes || buckets.back().front().scalar_type() != grad.scalar_type()) {
      buckets.emplace_back();
      bytes = 0;
    }
    buckets.back().push_back(grad);
    bytes += size;
  }
  std::vector<std::vector<torch::Tensor>> flat(buckets.size());
  std::vector<c10::intrusive_ptr<c10d::Work>> work;
  try {
    for (size_t b = 0; b < buckets.size(); ++b) {
      std::vector<torch::Tensor> pieces;
      for (const torch::Tensor& g : buckets[b]) pieces.push_back(g.reshape({-1}));
      flat[b] = {torch::cat(pieces).to(torch::kCPU)};
      work.push_back(group_->gloo->allreduce(flat[b]));  // in flight while the next is built
    }
    for (auto& w : work) w->wait();
  } catch (const std::exception& e) {
    collective_failed(env_, timeout_, "averaging gradients", e);
  }
  for (size_t b = 0; b < buckets.size(); ++b) {
    torch::Tensor mean = flat[b][0].div_(env_.world_size);
    int64_t offset = 0;
    for (const torch::Tensor& g : buckets[b]) {
      g.copy_(mean.slice(0, offset, offset + g.numel()).view_as(g));
      offset += g.numel();
    }
  }
  communication_seconds_ += std::chrono::duration<double>(Clock::now() - start).count();
}

std::string DataParallel::from_rank0(const std::string& key, const std::string& value) {
  if (!group_) return value;
  try {
    if (env_.rank == 0) {
      group_->store->set(key, std::vector<uint8_t>(value.begin(), value.end()));
      return value;
    }
    group_->store->wait({key}, std::chrono::hours(24 * 365));
    const std::vector<uint8_t> got = group_->store->get(key);
    return std::string(got.begin(), got.end());
  } catch (const std::exception& e) {
    collective_failed(env_, timeout_, "hearing from rank 0", e);
  }
}

torch::Tensor DataParallel::sum(const torch::Tensor& values) {
  if (!group_) return values;
  const auto start = Clock::now();
  std::vector<torch::Tensor> staged{values.to(torch::kCPU, torch::kDouble).contiguous().clone()};
  try {
    group_->gloo->allreduce(staged)->wait();
  } catch (const std::exception& e) {
    collective_failed(env_, timeout_, "exchanging the step's losses", e);
  }
  communication_seconds_ += std::chrono::duration<double>(Clock::now() - start).count();
  return staged[0];
}

}  // namespace neuroreg
