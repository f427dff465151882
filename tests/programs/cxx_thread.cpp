#include <cstdio>
#include <thread>
#include <mutex>
#include <atomic>
#include <vector>
#include <future>
#include <numeric>
#include <condition_variable>

static long work(int id, int n) {
    long s = 0;
    for (int i = 0; i < n; ++i) s += (static_cast<long>(i) * (id + 1)) % 7;
    return s;
}

int main() {
    const int NT = 4;
    std::vector<long> results(NT);
    std::vector<std::thread> threads;
    for (int t = 0; t < NT; ++t) threads.emplace_back([t, &results] { results[t] = work(t, 200000); });
    for (auto &th : threads) th.join();
    for (int t = 0; t < NT; ++t) std::printf("thread %d -> %ld\n", t, results[t]);

    std::mutex mu;
    long shared_total = 0;
    std::atomic<int> atomic_count{0};
    threads.clear();
    for (int t = 0; t < NT; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10000; ++i) {
                std::lock_guard<std::mutex> lock(mu);
                shared_total += t + 1;
            }
            atomic_count.fetch_add(100, std::memory_order_relaxed);
        });
    for (auto &th : threads) th.join();
    std::printf("shared_total=%ld atomic_count=%d\n", shared_total, atomic_count.load());

    std::vector<std::future<long>> futs;
    for (int t = 0; t < 3; ++t) futs.push_back(std::async(std::launch::async, work, t + 10, 50000));
    long fsum = 0;
    for (auto &f : futs) fsum += f.get();
    std::printf("async sum=%ld\n", fsum);

    std::promise<std::string> prom;
    auto fut = prom.get_future();
    std::thread producer([&prom] { prom.set_value("value from promise"); });
    std::printf("future got: %s\n", fut.get().c_str());
    producer.join();

    // ordered hand-off with a condition variable: deterministic output order
    std::condition_variable cv;
    int turn = 0;
    std::vector<std::thread> ordered;
    for (int t = 0; t < 4; ++t)
        ordered.emplace_back([&, t] {
            std::unique_lock<std::mutex> lk(mu);
            cv.wait(lk, [&] { return turn == t; });
            std::printf("ordered thread %d runs\n", t);
            ++turn;
            cv.notify_all();
        });
    for (auto &th : ordered) th.join();

    std::exception_ptr err;
    std::thread thrower([&err] {
        try { throw std::runtime_error("from worker thread"); } catch (...) { err = std::current_exception(); }
    });
    thrower.join();
    try { if (err) std::rethrow_exception(err); } catch (const std::exception &e) { std::printf("main caught: %s\n", e.what()); }
    thread_local int tl = 0;
    std::thread tlt([] { tl = 99; });
    tlt.join();
    std::printf("main thread_local still %d\n", tl);
    return static_cast<int>(shared_total % 256);
}
