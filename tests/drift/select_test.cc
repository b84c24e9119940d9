// `trainops select` (issue 13, item 4): which messages of a window to label first.
// Unit tests of the scoring rule on hand-made signals, then the library's selection and
// the real binary on a tiny synthetic task: a model trained on shoe-shop intents scores a
// window that mixes its own kind of messages with ones about telescopes and guitars it has
// never seen, a cluster of paraphrases, duplicates and blank rows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "check/text_key.h"
#include "data/table_reader.h"
#include "drift/select.h"
#include "model/inference.h"
#include "model/model_io.h"
#include "test_support.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;
using testing::ReadAll;
using testing::RunCli;
using testing::SyntheticIntentCsv;
using testing::TempDir;

// ---- the scoring rule -------------------------------------------------------------------

LabelSignals Signals(float margin, float coverage, double oov, bool rejected = false) {
  LabelSignals s;
  s.margin = margin;
  s.coverage = coverage;
  s.oov_rate = oov;
  s.rejected = rejected;
  return s;
}

TEST(LabelSignalsTest, ConfidentFamiliarTextsScoreLowestAndRejectedDriftedOnesHighest) {
  const double confident = Informativeness(Signals(0.95f, 1.0f, 0.0));
  const double uncertain = Informativeness(Signals(0.05f, 1.0f, 0.0));
  const double drifted = Informativeness(Signals(0.6f, 0.3f, 0.7));
  const double rejected = Informativeness(Signals(0.6f, 0.3f, 0.7, true));
  EXPECT_LT(confident, 0.05);
  EXPECT_LT(confident, uncertain);
  EXPECT_LT(uncertain, drifted);
  EXPECT_LT(drifted, rejected);
  EXPECT_LE(Informativeness(Signals(0.0f, 0.0f, 1.0, true)), 1.0);
}

TEST(LabelSignalsTest, ReasonNamesTheLargestTerm) {
  EXPECT_EQ(DescribeReason(MainReason(Signals(0.03f, 1.0f, 0.0)), Signals(0.03f, 1.0f, 0.0)), "uncertain: margin 0.03");
  const LabelSignals drifted = Signals(0.8f, 0.6f, 0.45);
  EXPECT_EQ(DescribeReason(MainReason(drifted), drifted), "drifted: 45% unseen words");
  const LabelSignals low_coverage = Signals(0.8f, 0.2f, 0.0);
  EXPECT_EQ(DescribeReason(MainReason(low_coverage), low_coverage), "drifted: feature coverage 0.20");
  const LabelSignals rejected = Signals(0.9f, 1.0f, 0.0, true);
  EXPECT_EQ(DescribeReason(MainReason(rejected), rejected), "rejected as out-of-scope");
  EXPECT_EQ(DescribeReason(LabelReason::kRandom, rejected), "random (unbiased sample)");
}

TEST(LabelSignalsTest, RandomPickCountRoundsAndNeverVanishes) {
  EXPECT_EQ(RandomPickCount(40, 0.1), 4u);
  EXPECT_EQ(RandomPickCount(40, 0.15), 6u);
  EXPECT_EQ(RandomPickCount(5, 0.1), 1u);  // 0.5 rounds up
  EXPECT_EQ(RandomPickCount(3, 0.1), 1u);  // never zero with a positive share
  EXPECT_EQ(RandomPickCount(1, 0.1), 0u);  // a single pick goes to the most informative text
  EXPECT_EQ(RandomPickCount(40, 0.0), 0u);
  EXPECT_EQ(RandomPickCount(10, 1.0), 10u);
}

// ---- a tiny task and its windows --------------------------------------------------------

// Messages about things the shoe shop's model never saw (one question per topic).
const std::vector<std::string> kDrifted = {
    "the telescope eyepiece fogs up whenever i observe saturn",
    "my violin bow lost half its horsehair overnight",
    "which aquarium filter keeps goldfish water crystal clear",
    "sourdough starter smells like acetone after feeding",
    "drone propeller cracked mid flight above the lake",
    "can photovoltaic panels power a greenhouse heater in winter",
    "tuning pegs on my ukulele keep slipping flat",
    "chess clock batteries died during the tournament final",
};

// Twenty ways of asking one new question.
std::vector<std::string> Paraphrases() {
  const std::vector<std::string> openings = {"how do i", "what is the best way to", "can someone tell me how to",
                                             "is there a guide to", "quick question, how to"};
  const std::vector<std::string> endings = {"restring an electric guitar", "restring my electric guitar",
                                            "put new strings on an electric guitar",
                                            "restring this electric guitar tonight"};
  std::vector<std::string> out;
  for (const auto& o : openings) {
    for (const auto& e : endings) out.push_back(o + " " + e);
  }
  return out;
}

// Rows of the synthetic shoe-shop data (quoted texts, as SyntheticIntentCsv writes them).
std::vector<std::string> FamiliarTexts(size_t rows, uint64_t seed) {
  std::vector<std::string> texts;
  std::istringstream in(SyntheticIntentCsv(rows, seed));
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) texts.push_back(line.substr(1, line.find("\",") - 1));
  return texts;
}

std::string Csv(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  size_t Column(const std::string& name) const {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  }
};

Table ParseCsv(const std::string& text) {
  auto reader = OpenTable(std::make_unique<std::istringstream>(text), "selection", FileFormat::kCsv);
  Table t;
  t.header = reader->columns();
  RawRecord record;
  while (reader->Next(record)) t.rows.push_back(record.values);
  return t;
}

class SelectTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    dir_->Write("train.csv", SyntheticIntentCsv(600, 31));
    dir_->Write("task.yaml",
                "name: select-test\n"
                "data: {train: train.csv, text_column: text, label_column: intent}\n"
                "seed: 5\nthreads: 2\ntraining: {epochs: 6}\n");
    auto r = RunCli({"train", "--task", Spec(), "--out", (dir_->path() / "run").string(), "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // The window: familiar messages, new-topic ones, a paraphrase cluster, duplicates
    // (the same question in different case and punctuation) and blank rows.
    std::string csv = "id,created_at,text,channel,note\n";
    size_t id = 0;
    auto add = [&](const std::string& text, const std::string& note = "") {
      ++id;
      csv += "m" + std::to_string(1000 + id) + ",2026-03-0" + std::to_string(1 + id % 9) + "T10:00:00Z," + Csv(text) +
             "," + (id % 2 ? "chat" : "email") + "," + Csv(note) + "\n";
    };
    const auto familiar = FamiliarTexts(80, 77);
    for (size_t i = 0; i < familiar.size(); ++i) {
      add(familiar[i], i == 3 ? "said \"thanks\", then left" : "");
      if (i % 10 == 0 && i / 10 < kDrifted.size()) add(kDrifted[i / 10]);
      if (i % 4 == 1 && i / 4 < Paraphrases().size()) add(Paraphrases()[i / 4]);
    }
    add("The telescope eyepiece fogs up whenever I observe Saturn!!");  // duplicates of kDrifted[0]
    add("THE TELESCOPE EYEPIECE  fogs up whenever i observe saturn");
    add("   ");
    add("");
    dir_->Write("window.csv", csv);
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::string Spec() { return (dir_->path() / "task.yaml").string(); }
  static std::string ModelPath() { return (dir_->path() / "run/model.bin").string(); }
  static std::string Window() { return (dir_->path() / "window.csv").string(); }

  // Runs select with --model and returns the output table (asserting exit 0).
  static Table Select(const std::vector<std::string>& extra, std::string* err = nullptr) {
    TempDir out;
    std::vector<std::string> args = {"select", "--task", Spec(), "--traffic", Window(), "--model", ModelPath(),
                                     "--output", (out / "sel.csv").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = RunCli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (err) *err = r.err;
    return ParseCsv(ReadAll(out / "sel.csv"));
  }

  static TempDir* dir_;
};
TempDir* SelectTest::dir_ = nullptr;

size_t CountReason(const Table& t, const std::string& prefix) {
  size_t n = 0;
  for (const auto& row : t.rows) n += row[t.Column("reason")].starts_with(prefix);
  return n;
}

TEST_F(SelectTest, KeepsEveryInputColumnInOrderAndAddsScoreAndReason) {
  const Table t = Select({"--budget", "30"});
  EXPECT_EQ(t.header, (std::vector<std::string>{"id", "created_at", "text", "channel", "note", "score", "reason"}));
  ASSERT_EQ(t.rows.size(), 30u);
  // Every picked row is the input row with that id, value for value.
  const Table input = ParseCsv(ReadAll(Window()));
  std::map<std::string, std::vector<std::string>> by_id;
  for (const auto& row : input.rows) by_id[row[0]] = row;
  for (const auto& row : t.rows) {
    ASSERT_TRUE(by_id.count(row[0])) << row[0];
    EXPECT_EQ(std::vector<std::string>(row.begin(), row.begin() + 5), by_id[row[0]]);
    const double score = std::stod(row[t.Column("score")]);
    EXPECT_GE(score, 0.0);
    EXPECT_LE(score, 1.0);
    EXPECT_FALSE(row[t.Column("reason")].empty());
  }
}

TEST_F(SelectTest, BudgetIsRespectedAndRandomShareIsPresent) {
  for (int budget : {1, 7, 20}) {
    const Table t = Select({"--budget", std::to_string(budget)});
    EXPECT_EQ(t.rows.size(), static_cast<size_t>(budget));
    EXPECT_EQ(CountReason(t, "random (unbiased sample)"), RandomPickCount(static_cast<size_t>(budget), 0.1));
  }
  EXPECT_EQ(CountReason(Select({"--budget", "20", "--random-share", "0.5"}), "random"), 10u);
  EXPECT_EQ(CountReason(Select({"--budget", "20", "--random-share", "0"}), "random"), 0u);
}

TEST_F(SelectTest, SameSeedSameSelectionAndTheSeedMovesTheRandomShare) {
  TempDir out;
  std::vector<std::string> base = {"select", "--task", Spec(), "--traffic", Window(), "--model", ModelPath(),
                                   "--budget", "20", "--random-share", "0.3", "--output"};
  auto run = [&](const std::string& name, const std::string& seed) {
    auto args = base;
    args.push_back((out / name).string());
    args.insert(args.end(), {"--seed", seed});
    EXPECT_EQ(RunCli(args).exit_code, 0);
    return ReadAll(out / name);
  };
  const std::string a = run("a.csv", "11");
  EXPECT_EQ(a, run("b.csv", "11"));
  auto random_ids = [](const std::string& csv) {
    const Table t = ParseCsv(csv);
    std::set<std::string> ids;
    for (const auto& row : t.rows) {
      if (row[t.Column("reason")].starts_with("random")) ids.insert(row[0]);
    }
    return ids;
  };
  EXPECT_EQ(random_ids(a).size(), 6u);
  bool moved = false;
  for (const std::string seed : {"12", "13", "14"}) moved = moved || random_ids(run("c" + seed + ".csv", seed)) != random_ids(a);
  EXPECT_TRUE(moved) << "three other seeds drew the same random rows";
}

TEST_F(SelectTest, DuplicatesArePickedAtMostOnceAndABudgetLargerThanTheWindowTakesAll) {
  std::string err;
  const Table t = Select({"--budget", "1000", "--random-share", "0.5"}, &err);
  EXPECT_THAT(err, HasSubstr("larger than the window"));
  EXPECT_THAT(err, HasSubstr("skipped 2 row(s) without text"));
  std::set<std::string> keys, ids;
  for (const auto& row : t.rows) {
    EXPECT_TRUE(keys.insert(DuplicateKey(row[t.Column("text")])).second) << "picked twice: " << row[2];
    ids.insert(row[0]);
  }
  const Table input = ParseCsv(ReadAll(Window()));
  std::set<std::string> input_keys;
  for (const auto& row : input.rows) {
    if (!DuplicateKey(row[2]).empty()) input_keys.insert(DuplicateKey(row[2]));
  }
  EXPECT_EQ(keys, input_keys);  // every distinct text, once
}

TEST_F(SelectTest, NewTopicsComeBeforeConfidentFamiliarMessagesAndParaphrasesDoNotFlood) {
  const Table t = Select({"--budget", "12", "--random-share", "0"});
  const std::set<std::string> drifted(kDrifted.begin(), kDrifted.end());
  const auto paraphrases = Paraphrases();
  const std::set<std::string> cluster(paraphrases.begin(), paraphrases.end());
  size_t from_drifted = 0, from_cluster = 0, cluster_before_last_topic = 0;
  for (const auto& row : t.rows) {
    from_drifted += drifted.count(row[2]);
    from_cluster += cluster.count(row[2]);
    if (from_drifted < kDrifted.size()) cluster_before_last_topic += cluster.count(row[2]);
  }
  // Eight one-off new topics and one twenty-strong cluster of a ninth: the cluster gets one
  // pick until every other new topic has one (then paraphrases compete, discounted, with
  // the familiar messages), and never most of the list.
  EXPECT_EQ(from_drifted, kDrifted.size());
  EXPECT_LE(cluster_before_last_topic, 1u);
  EXPECT_GE(from_cluster, 1u);
  EXPECT_LE(from_cluster, t.rows.size() / 2);
  EXPECT_GE(CountReason(t, "drifted"), kDrifted.size());
}

TEST_F(SelectTest, DiversityDiscountsNearDuplicatesInTheLibrary) {
  const Model model = LoadModel(ModelPath());
  std::vector<std::string> texts = Paraphrases();
  texts.push_back(kDrifted[1]);
  SelectionSettings settings;
  settings.budget = 2;
  settings.random_share = 0;
  const Selection s = SelectTexts(model, texts, settings);
  ASSERT_EQ(s.picks.size(), 2u);
  // Without the discount the second pick would be another guitar paraphrase (twenty of them
  // against one violin question); with it, the violin question is one of the two.
  size_t violin = 0, guitar = 0;
  for (const auto& pick : s.picks) {
    violin += texts[pick.index].find("violin") != std::string::npos;
    guitar += texts[pick.index].find("guitar") != std::string::npos;
  }
  EXPECT_EQ(violin, 1u);
  EXPECT_LE(guitar, 1u);
  EXPECT_GT(s.picks[1].similarity, 0.0);  // measured against the first pick
}

TEST_F(SelectTest, RejectedTextsComeFirstAmongFamiliarOnes) {
  // The suite's model has no out-of-scope label; give it one and a rejection threshold at
  // the median rejection score of familiar texts, so about half of them are refused.
  Model model = LoadModel(ModelPath());
  const std::vector<std::string> texts = FamiliarTexts(120, 91);
  Model::Scratch scratch;
  std::vector<float> scores;
  for (const auto& text : texts) scores.push_back(Classify(model, text, scratch).reject_score);
  std::vector<float> sorted = scores;
  std::sort(sorted.begin(), sorted.end());
  model.info.oos_label = model.info.labels[0];
  model.info.reject_threshold = sorted[sorted.size() / 2];
  SelectionSettings settings;
  settings.budget = 10;
  settings.random_share = 0;
  const Selection s = SelectTexts(model, texts, settings);
  ASSERT_EQ(s.picks.size(), 10u);
  for (const auto& pick : s.picks) {
    EXPECT_TRUE(pick.signals.rejected) << texts[pick.index];
    EXPECT_EQ(pick.reason_text, "rejected as out-of-scope");
    EXPECT_EQ(pick.signals.predicted, model.info.labels[0]);
  }
}

TEST_F(SelectTest, ReadsJsonlAndTheProductionModelFromTheRegistry) {
  TempDir out;
  const Table csv = ParseCsv(ReadAll(Window()));
  std::string jsonl;
  for (const auto& row : csv.rows) {
    nlohmann::json j;
    for (size_t c = 0; c < csv.header.size(); ++c) j[csv.header[c]] = row[c];
    jsonl += j.dump() + "\n";
  }
  const auto window = out.Write("window.jsonl", jsonl);
  auto no_model = RunCli({"select", "--task", Spec(), "--traffic", window.string(), "--budget", "5", "--output",
                          (out / "x.csv").string()});
  EXPECT_EQ(no_model.exit_code, 2);
  EXPECT_THAT(no_model.err, HasSubstr("no production model"));
  EXPECT_THAT(no_model.err, HasSubstr("--model"));
  EXPECT_FALSE(std::filesystem::exists(out / "x.csv"));

  TempDir task;  // a copy of the task, so promoting does not change the suite's registry
  task.Write("train.csv", ReadAll(dir_->path() / "train.csv"));
  task.Write("task.yaml", ReadAll(Spec()));
  ASSERT_EQ(RunCli({"promote", ModelPath(), "--task", (task / "task.yaml").string(), "--reason", "test", "--force"})
                .exit_code,
            0);
  auto from_registry = RunCli({"select", "--task", (task / "task.yaml").string(), "--traffic", window.string(),
                               "--budget", "9", "--output", (out / "a.csv").string()});
  ASSERT_EQ(from_registry.exit_code, 0) << from_registry.err;
  auto from_file = RunCli({"select", "--task", Spec(), "--traffic", window.string(), "--budget", "9", "--model",
                           ModelPath(), "--output", (out / "b.csv").string()});
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  EXPECT_EQ(ReadAll(out / "a.csv"), ReadAll(out / "b.csv"));
  EXPECT_EQ(ParseCsv(ReadAll(out / "a.csv")).rows.size(), 9u);
}

TEST_F(SelectTest, BadInputExitsTwoNamingTheFieldAndTheFix) {
  TempDir out;
  const std::string output = (out / "sel.csv").string();
  auto run = [&](std::vector<std::string> extra, const std::string& traffic) {
    std::vector<std::string> args = {"select", "--task", Spec(), "--traffic", traffic, "--model", ModelPath(),
                                     "--output", output};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCli(args);
  };
  const auto no_text = out.Write("no_text.csv", "id,message\n1,hello\n");
  auto r = run({"--budget", "5"}, no_text.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no_text.csv"));
  EXPECT_THAT(r.err, HasSubstr("no column \"text\""));
  EXPECT_THAT(r.err, HasSubstr("--text-column"));

  for (const std::string budget : {"0", "-3"}) {
    r = run({"--budget=" + budget}, Window());
    EXPECT_EQ(r.exit_code, 2) << budget;
    EXPECT_THAT(r.err, HasSubstr("--budget " + budget)) << r.err;
    EXPECT_THAT(r.err, HasSubstr("at least 1"));
  }
  r = run({"--budget", "5", "--random-share", "1.5"}, Window());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--random-share"));

  const std::string before = ReadAll(Window());
  r = RunCli({"select", "--task", Spec(), "--traffic", Window(), "--model", ModelPath(), "--budget", "5", "--output",
              Window()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("is --traffic"));
  EXPECT_EQ(ReadAll(Window()), before);

  const auto bad_utf8 = out.Write("bad.csv", "id,text\n1,fine\n2,caf\xe9 au lait\n");
  r = run({"--budget", "5"}, bad_utf8.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("bad.csv:3"));
  EXPECT_THAT(r.err, HasSubstr("invalid UTF-8"));
  EXPECT_FALSE(std::filesystem::exists(output));
}

// Issue 26, item 9: a header-only window is refused, not "selected 0 of 0".
TEST_F(SelectTest, AHeaderOnlyWindowIsRefused) {
  TempDir out;
  const auto window = out.Write("empty.csv", "id,created_at,text,channel,note\n");
  auto r = RunCli({"select", "--task", Spec(), "--traffic", window.string(), "--model", ModelPath(), "--budget", "5",
                   "--output", (out / "sel.csv").string()});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.err, HasSubstr("no rows with text to select from (only a header)"));
  EXPECT_FALSE(std::filesystem::exists(out / "sel.csv"));
}

}  // namespace
}  // namespace trainops
