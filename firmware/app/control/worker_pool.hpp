#pragma once
// A few threads and a bounded queue for control commands that take a while.
// try_post() never blocks: a full pool says no at once, so the caller can
// answer "busy" instead of piling work up. Threads start on first use, so a
// daemon nobody diagnoses runs none.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace gw {

class WorkerPool {
  public:
    struct Job {
        std::function<void()> run;  // must not throw
        // Called after run() once its worker counts as free again: a reply
        // sent from here lets its caller post the next job at once.
        std::function<void()> then;
        // Called instead of both when the pool stops before the job started.
        std::function<void()> drop;
    };

    // `workers` threads at most; `queue` jobs may wait for one of them.
    WorkerPool(size_t workers, size_t queue);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // False when every worker is busy and the queue is full, or after stop().
    bool try_post(Job job);
    // No new jobs; queued ones are dropped; waits for the running ones (they
    // must watch their own cancel flag to end promptly).
    void stop();

  private:
    void work();

    const size_t max_workers_;
    const size_t max_queue_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> queue_;
    size_t running_ = 0;  // jobs a worker has taken and not finished
    bool stopped_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace gw
