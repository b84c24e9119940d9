// The traffic log's bounded queue: a full queue drops (and counts) records instead of
// blocking, everything accepted is written on Stop, --redact stores no text, retention
// keeps the newest rows, and times given to export are normalized or refused.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace trainops::serve
