#include "worker_pool.hpp"

#include <system_error>

namespace gw {

WorkerPool::WorkerPool(size_t workers, size_t queue)
    : max_workers_(workers == 0 ? 1 : workers), max_queue_(queue) {}

WorkerPool::~WorkerPool() {
    stop();
}

bool WorkerPool::try_post(Job job) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return false;
    if (running_ + queue_.size() >= max_workers_ + max_queue_) return false;
    queue_.push_back(std::move(job));
    wake_.notify_one();
    // Threads not running a job are waiting for one (or just starting).
    const size_t free_threads = threads_.size() - running_;
    if (queue_.size() > free_threads && threads_.size() < max_workers_) {
        try {
            threads_.emplace_back([this] { work(); });
        } catch (const std::system_error&) {
            // No thread for it: a job only waits if some worker will take it.
            if (threads_.empty()) {
                queue_.pop_back();
                return false;
            }
        }
    }
    return true;
}

void WorkerPool::stop() {
    std::deque<Job> dropped;
    std::vector<std::thread> threads;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopped_ = true;
        dropped.swap(queue_);
        threads.swap(threads_);
    }
    wake_.notify_all();
    for (auto& job : dropped)
        if (job.drop) job.drop();
    for (auto& t : threads) t.join();
}

void WorkerPool::work() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopped_ || !queue_.empty(); });
        if (stopped_) return;
        Job job = std::move(queue_.front());
        queue_.pop_front();
        ++running_;
        lock.unlock();
        job.run();
        lock.lock();
        --running_;
        lock.unlock();
        if (job.then) job.then();
        job = {};  // release what the job holds before waiting again
        lock.lock();
    }
}

}  // namespace gw
