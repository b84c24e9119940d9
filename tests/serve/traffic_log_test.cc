// The traffic log's bounded queue: a full queue drops (and counts) records instead of
// blocking, everything accepted is written on Stop, --redact stores no text, retention
// keeps the newest rows, and times given to export are normalized or refused.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <csignal>
#include <sys/resource.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <trainops/error.h>

#include "serve/traffic_log.h"
#include "test_support.h"

namespace trainops::serve {
namespace {

using trainops::testing::TempDir;

TrafficRecord Record(int i, const std::string& time = "") {
  TrafficRecord r;
  r.request_id = fmt::format("req-{}", i);
  r.time = time.empty() ? TrafficNow() : time;
  r.model = "model-m";
  r.text = fmt::format("text number {}", i);
  r.label = "alpha";
  r.confidence = 0.5f;
  return r;
}

size_t Export(const TempDir& dir, const std::string& db, std::string* csv = nullptr) {
  ExportOptions e;
  e.log = dir / db;
  e.output = dir / "out.csv";
  const size_t n = ExportTraffic(e);
  if (csv) *csv = trainops::testing::ReadAll(e.output);
  return n;
}

TEST(TrafficLogTest, AFullQueueDropsAndCountsInsteadOfBlocking) {
  TempDir dir;
  TrafficLogOptions o;
  o.path = dir / "t.db";
  o.queue_capacity = 3;
  o.shed = false;  // only the bound: sampling is tested below
  TrafficLog log(o);  // writer not started: the queue only fills
  int accepted = 0;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    TrafficRecord r = Record(i);
    r.request_id = ids.emplace_back(log.NewRequestId());
    accepted += log.TryLog(r) ? 1 : 0;
  }
  EXPECT_EQ(accepted, 3);
  EXPECT_EQ(log.dropped(), 2u);
  EXPECT_EQ(log.depth(), 3u);
  EXPECT_FALSE(log.TryLogFeedback({"req-0", "b", TrafficNow()}));
  EXPECT_EQ(log.dropped(), 3u);
  EXPECT_EQ(log.Lookup(ids[0]), RequestFate::kLogged) << "queued, not yet written";
  EXPECT_EQ(log.Lookup(ids[4]), RequestFate::kNotLogged) << "answered, though its record was dropped";
  EXPECT_EQ(log.Lookup(log.NewRequestId()), RequestFate::kUnknown) << "issued, never offered to the log";
  EXPECT_EQ(log.Lookup(ids[0] + "0"), RequestFate::kUnknown) << "a counter this log has not reached";
  EXPECT_EQ(log.Lookup("req-1"), RequestFate::kUnknown);
  log.Start();
  log.Stop();
  EXPECT_EQ(log.written(), 3u);
  EXPECT_EQ(log.depth(), 0u);
  EXPECT_EQ(Export(dir, "t.db"), 3u);
}

TEST(TrafficLogTest, StopWritesEverythingQueuedAndFeedbackJoins) {
  TempDir dir;
  TrafficLogOptions o;
  o.path = dir / "t.db";
  o.batch_size = 7;
  {
    TrafficLog log(o);
    log.Start();
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(log.TryLog(Record(i)));
    ASSERT_TRUE(log.TryLogFeedback({"req-10", "b", TrafficNow()}));
    log.Stop();
    EXPECT_EQ(log.written(), 1000u);
    EXPECT_EQ(log.write_errors(), 0u);
  }
  std::string csv;
  EXPECT_EQ(Export(dir, "t.db", &csv), 1000u);
  EXPECT_NE(csv.find("req-10,"), std::string::npos);
  EXPECT_NE(csv.find(",text number 10,alpha,0.500000,false,b,"), std::string::npos) << csv.substr(0, 400);
  // A new log on the same file knows old request ids from the database.
  TrafficLog again(o);
  EXPECT_EQ(again.Lookup("req-999"), RequestFate::kLogged);
  EXPECT_EQ(again.Lookup("req-1000"), RequestFate::kUnknown);
}

TEST(TrafficLogTest, RedactStoresAHashAndRetentionKeepsTheNewest) {
  TempDir dir;
  TrafficLogOptions o;
  o.path = dir / "t.db";
  o.redact = true;
  o.retention_rows = 5;
  {
    TrafficLog log(o);
    for (int i = 0; i < 8; ++i) log.TryLog(Record(i, fmt::format("2026-01-01T00:00:0{}.000Z", i)));
    log.Stop();
  }
  {
    TrafficLog log(o);
    log.Start();  // retention runs when the writer starts
    log.Stop();
  }
  std::string csv;
  EXPECT_EQ(Export(dir, "t.db", &csv), 5u);
  EXPECT_EQ(csv.find("text number"), std::string::npos) << csv;
  EXPECT_NE(csv.find("xxh64:"), std::string::npos);
  EXPECT_EQ(csv.find("req-2,"), std::string::npos) << "the oldest rows go first";
  EXPECT_NE(csv.find("req-7,"), std::string::npos);
}

TEST(TrafficLogTest, RetentionByAgeDeletesOldRequestsAndTheirFeedback) {
  TempDir dir;
  TrafficLogOptions o;
  o.path = dir / "t.db";
  o.retention_days = 30;
  {
    TrafficLog log(o);
    log.TryLog(Record(1, "2020-01-01T00:00:00.000Z"));
    log.TryLogFeedback({"req-1", "b", "2020-01-02T00:00:00.000Z"});
    log.TryLog(Record(2));  // now
    log.Stop();
  }
  {
    TrafficLog log(o);
    log.Start();
    log.Stop();
    EXPECT_EQ(log.Lookup("req-1"), RequestFate::kUnknown);
    EXPECT_EQ(log.Lookup("req-2"), RequestFate::kLogged);
  }
  std::string csv;
  EXPECT_EQ(Export(dir, "t.db", &csv), 1u);
  EXPECT_NE(csv.find("req-2,"), std::string::npos);
}

TEST(TrafficLogTest, ExportTimesAreNormalizedOrRefused) {
  EXPECT_EQ(NormalizeTime("2026-01-31", "--since"), "2026-01-31T00:00:00.000Z");
  EXPECT_EQ(NormalizeTime("2026-01-31T12:05", "--since"), "2026-01-31T12:05:00.000Z");
  EXPECT_EQ(NormalizeTime("2026-01-31T12:05:07Z", "--since"), "2026-01-31T12:05:07.000Z");
  EXPECT_EQ(NormalizeTime("2026-01-31T12:05:07.25Z", "--since"), "2026-01-31T12:05:07.250Z");
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-01-31T25:00", "31/01/2026"}) {
    EXPECT_THROW(NormalizeTime(bad, "--since"), InputError) << bad;
  }
  TempDir dir;
  TrafficLogOptions o;
  o.path = dir / "t.db";
  {
    TrafficLog log(o);
    for (int i = 0; i < 4; ++i) log.TryLog(Record(i, fmt::format("2026-01-0{}T10:00:00.000Z", i + 1)));
    log.Stop();
  }
  ExportOptions e;
  e.log = o.path;
  e.output = dir / "out.csv";
  e.since = "2026-01-02";
  e.until = "2026-01-04T10:00:00Z";  // exclusive
  EXPECT_EQ(ExportTraffic(e), 2u);
  e.log = dir / "missing.db";
  EXPECT_THROW(ExportTraffic(e), InputError);
}

// Issue 29: at a bounded load from several request threads, every record is kept.
TEST(TrafficLogTest, EveryRecordIsKeptUnderABoundedLoadFromSeveralThreads) {
  TempDir dir;
  TrafficLogOptions o;
  o.path = dir / "t.db";
  TrafficLog log(o);
  log.Start();
  constexpr int kThreads = 4, kPerThread = 4000;  // 8,000 records/s for about 2 s
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < kPerThread; ++i) {
        TrafficRecord r = Record(i);
        r.request_id = log.NewRequestId();
        if (!log.TryLog(std::move(r))) ++refused;
        std::this_thread::sleep_until(start + std::chrono::microseconds(500) * (i + 1));
      }
    });
  }
  for (auto& t : threads) t.join();
  log.Stop();
  EXPECT_EQ(refused.load(), 0);
  EXPECT_EQ(log.shed(), 0u);
  EXPECT_EQ(log.dropped(), 0u);
  EXPECT_EQ(log.written(), static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(Export(dir, "t.db"), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_TRUE(ReadSampling(o.path, "", "").empty()) << "nothing lost, so no sampling span";
}

// Checkpoints run beside the writer: while the log is open and being written, the WAL's
// pages reach the database file (SQLite's own auto-checkpoint is off on the writer's
// connection, so without the checkpointer the main file would not grow until close).
TEST(TrafficLogTest, TheCheckpointerCopiesTheWalIntoTheDatabaseWhileWriting) {
  TempDir dir;
  TrafficLogOptions o;
  o.path = dir / "t.db";
  TrafficLog log(o);
  const auto initial = std::filesystem::file_size(o.path);
  log.Start();
  constexpr int kRecords = 30000;  // about 2,000 WAL pages: past the 1,000-page trigger
  for (int i = 0; i < kRecords; ++i) {
    TrafficRecord r = Record(i);
    r.request_id = log.NewRequestId();
    r.text = fmt::format("{} {}", r.text, std::string(100, 'x'));
    ASSERT_TRUE(log.TryLog(std::move(r)));
    if (i % 1000 == 999) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((log.written() < kRecords || log.checkpoints() == 0 || std::filesystem::file_size(o.path) < 2 * 1024 * 1024) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(log.written(), static_cast<uint64_t>(kRecords));
  EXPECT_GT(log.checkpoints(), 0u);
  EXPECT_GT(std::filesystem::file_size(o.path), initial + 2 * 1024 * 1024)
      << "the records are still only in the WAL";
  log.Stop();
  EXPECT_EQ(Export(dir, "t.db"), static_cast<size_t>(kRecords));
}

// A writer slower than the traffic (a slow disk): the log keeps answering, sheds evenly
// (never a long run of lost records), records the rate per span, and a reader's weights
// add back up to the traffic.
TEST(TrafficLogTest, ASlowWriterShedsUniformlyAndRecordsTheRate) {
  TempDir dir;
  TrafficLogOptions o;
  o.path = dir / "t.db";
  o.queue_capacity = 1000;
  o.batch_size = 50;
  o.slow_writes = std::chrono::milliseconds(20);  // at most 2,500 records/s
  TrafficLog log(o);
  log.Start();
  constexpr int kRecords = 12000;  // offered at about 10,000/s
  std::vector<bool> kept;
  std::vector<std::string> ids;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRecords; ++i) {
    TrafficRecord r = Record(i);
    r.request_id = ids.emplace_back(log.NewRequestId());
    kept.push_back(log.TryLog(std::move(r)));
    std::this_thread::sleep_until(start + std::chrono::microseconds(100) * (i + 1));
  }
  EXPECT_LT(log.sample_rate(), 1.0) << "the writer is behind: the log samples";
  log.Stop();
  EXPECT_GT(log.shed(), 0u);
  EXPECT_EQ(log.written() + log.shed() + log.dropped(), static_cast<uint64_t>(kRecords));
  int run = 0, longest = 0;
  for (bool k : kept) {
    run = k ? 0 : run + 1;
    longest = std::max(longest, run);
  }
  EXPECT_LE(longest, 64) << "shed evenly (the rate never goes below 1/64), not in bursts";
  EXPECT_EQ(log.Lookup(ids[std::find(kept.begin(), kept.end(), false) - kept.begin()]), RequestFate::kNotLogged);
  EXPECT_EQ(log.Lookup(ids[std::find(kept.begin(), kept.end(), true) - kept.begin()]), RequestFate::kLogged);

  const std::vector<SamplingSpan> spans = ReadSampling(o.path, "", "");
  ASSERT_FALSE(spans.empty());
  uint64_t answered = 0, logged = 0;
  bool below_one = false;
  for (const SamplingSpan& s : spans) {
    EXPECT_LT(s.start, s.end);
    EXPECT_LT(s.logged, s.answered);
    below_one = below_one || s.rate < 1;
    answered += s.answered;
    logged += s.logged;
  }
  EXPECT_TRUE(below_one);
  EXPECT_EQ(answered - logged, log.shed() + log.dropped()) << "every lost record is in a span";
  double weights = 0;
  size_t rows = 0;
  ReadTraffic(o.path, "", "", [&](const TrafficRow& r) {
    weights += r.sample_weight;
    ++rows;
  });
  EXPECT_EQ(rows, log.written());
  // Each kept row stands for 1 / its rate: the weights add up to the records offered to
  // sampling (all but those dropped at the bound), up to the rounding at each rate change.
  EXPECT_NEAR(weights, static_cast<double>(kRecords - log.dropped()), kRecords * 0.01);
}

TEST(TrafficLogTest, RetentionBySizeDeletesTheOldestRows) {
  TempDir dir;
  TrafficLogOptions o;
  o.path = dir / "t.db";
  o.queue_capacity = 40000;
  {
    TrafficLog log(o);
    for (int i = 0; i < 30000; ++i) {
      log.TryLog(Record(i, fmt::format("2026-01-01T{:02}:{:02}:{:02}.000Z", i / 3600, i / 60 % 60, i % 60)));
    }
    log.Stop();
  }
  const auto before = std::filesystem::file_size(o.path);
  ASSERT_GT(before, 3u << 20) << "the test needs a log of several MiB";
  o.retention_bytes = 1 << 20;
  {
    TrafficLog log(o);
    log.Start();  // retention runs when the writer starts
    log.Stop();
    EXPECT_GT(log.deleted(), 20000u);
    EXPECT_EQ(log.Lookup("req-0"), RequestFate::kUnknown) << "the oldest go first";
    EXPECT_EQ(log.Lookup("req-29999"), RequestFate::kLogged);
  }
  const size_t kept = Export(dir, "t.db");
  EXPECT_GT(kept, 1000u);
  EXPECT_LT(static_cast<double>(kept), 30000.0 * (1 << 20) / static_cast<double>(before) + 1000);
  // New rows reuse the freed pages: writing as much again leaves the file about as big.
  {
    TrafficLog log(o);
    for (int i = 30000; i < 34000; ++i) log.TryLog(Record(i));
    log.Stop();
  }
  EXPECT_LE(std::filesystem::file_size(o.path), before);
}

// A full disk (here: a file-size limit) never blocks the request threads: the lost
// batches are counted, health says so, and writing resumes when space comes back.
TEST(TrafficLogTest, AFullDiskIsCountedAndReportedAndLoggingResumes) {
  TempDir dir;
  TrafficLogOptions o;
  o.path = dir / "t.db";
  o.batch_size = 100;
  std::vector<std::string> warnings;
  std::mutex warnings_mutex;
  o.warn = [&](const std::string& w) {
    std::lock_guard lock(warnings_mutex);
    warnings.push_back(w);
  };
  TrafficLog log(o);
  log.Start();
  auto wait_for = [&](auto done) {
    for (int i = 0; i < 500 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  };
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(log.TryLog(Record(i)));
  wait_for([&] { return log.written() == 200; });
  ASSERT_EQ(log.written(), 200u);
  EXPECT_TRUE(log.health().ok);

  struct rlimit old_limit {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  const uint64_t biggest = std::max({std::filesystem::file_size(o.path),
                                     std::filesystem::exists(dir / "t.db-wal") ? std::filesystem::file_size(dir / "t.db-wal") : 0u});
  struct rlimit full = old_limit;
  full.rlim_cur = biggest;  // no file may grow: the disk is full
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &full), 0);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 200; i < 5200; ++i) log.TryLog(Record(i));
  const auto spent = std::chrono::steady_clock::now() - t0;
  wait_for([&] { return log.write_errors() > 0 && log.depth() == 0; });
  EXPECT_GT(log.write_errors(), 0u);
  EXPECT_FALSE(log.health().ok);
  EXPECT_FALSE(log.health().last_error.empty());
  EXPECT_LT(spent, std::chrono::seconds(2)) << "offering records never waited for the disk";

  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old_limit), 0);
  std::signal(SIGXFSZ, old_handler);
  const uint64_t written = log.written();
  for (int i = 5200; i < 5300; ++i) log.TryLog(Record(i));
  wait_for([&] { return log.written() >= written + 100; });
  EXPECT_GE(log.written(), written + 100);
  EXPECT_TRUE(log.health().ok) << "a successful write clears the failure";
  log.Stop();
  std::lock_guard lock(warnings_mutex);
  ASSERT_FALSE(warnings.empty());
  EXPECT_LE(warnings.size(), 2u) << "one warning per 10 s, not one per failed batch";
  EXPECT_NE(warnings[0].find("records lost"), std::string::npos);
}

// A log written by an older server (version 1: no sample_rate, no sampling table) reads as
// fully logged, and a newer server opening it migrates it in place.
TEST(TrafficLogTest, AVersionOneLogReadsAsCompleteAndIsMigrated) {
  TempDir dir;
  const auto path = dir / "old.db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE requests(request_id TEXT PRIMARY KEY, time TEXT NOT NULL, model TEXT NOT NULL, "
                           "text TEXT NOT NULL, label TEXT NOT NULL, confidence REAL NOT NULL, margin REAL NOT NULL, "
                           "rejected INTEGER NOT NULL, latency_ms REAL NOT NULL);"
                           "CREATE TABLE feedback(id INTEGER PRIMARY KEY, request_id TEXT NOT NULL, label TEXT NOT NULL, "
                           "time TEXT NOT NULL);"
                           "INSERT INTO requests VALUES ('old-1', '2026-01-01T00:00:00.000Z', 'm', 'hello', 'a', 0.9, "
                           "0.5, 0, 1.0);"
                           "PRAGMA user_version = 1;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto weights = [&] {
    std::vector<double> w;
    ReadTraffic(path, "", "", [&](const TrafficRow& r) { w.push_back(r.sample_weight); });
    return w;
  };
  EXPECT_EQ(weights(), std::vector<double>{1.0});
  EXPECT_TRUE(ReadSampling(path, "", "").empty());
  {
    TrafficLogOptions o;
    o.path = path;
    TrafficLog log(o);
    log.TryLog(Record(2));
    log.Stop();
  }
  EXPECT_EQ(weights(), (std::vector<double>{1.0, 1.0}));
  EXPECT_EQ(Export(dir, "old.db"), 2u);
}

}  // namespace
}  // namespace trainops::serve
