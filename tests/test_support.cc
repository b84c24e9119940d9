#include "test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace trainops::testing {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("trainops_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
           std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TempDir::Write(const std::string& name, const std::string& contents) const {
  auto p = path_ / name;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << contents;
  return p;
}

std::filesystem::path SourceDir() { return TRAINOPS_SOURCE_DIR; }

std::optional<std::filesystem::path> SharedDataDir() {
  auto dir = SourceDir().parent_path() / "shared" / "data";
  if (std::filesystem::exists(dir / "banking77" / "train.csv")) return dir;
  return std::nullopt;
}

bool OnPostgresRegistry() {
  const char* registry = std::getenv("TRAINOPS_REGISTRY");
  return registry && std::string(registry).rfind("postgresql://", 0) == 0;
}

std::filesystem::path DefaultTestTrafficLog(const std::filesystem::path& sqlite_path) {
  return OnPostgresRegistry() ? std::filesystem::path(std::getenv("TRAINOPS_REGISTRY")) : sqlite_path;
}

std::filesystem::path DefaultTestRegistry(const std::filesystem::path& sqlite_path) {
  return DefaultTestTrafficLog(sqlite_path);  // the same database holds both on PostgreSQL
}

std::string FindChromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    std::string cmd = std::string("command -v ") + name + " 2>/dev/null";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) continue;
    char buf[512] = {0};
    std::string path = fgets(buf, sizeof buf, p) ? std::string(buf) : std::string();
    ::pclose(p);
    while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
    if (!path.empty()) return path;
  }
  return "";
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string SyntheticIntentCsv(size_t rows, uint64_t seed, int labels) {
  static const char* kIntents[] = {"returns", "shipping", "sizing", "payment", "refunds", "exchange"};
  static const char* kKeywords[][4] = {{"return", "send back", "label", "unwanted"},
                                       {"delivery", "tracking", "courier", "arrive"},
                                       {"size", "fit", "tight", "narrow"},
                                       {"card", "charged", "invoice", "paypal"},
                                       {"refund", "money back", "reimburse", "credit"},
                                       {"swap", "exchange", "different colour", "replace"}};
  static const char* kFiller[] = {"hi", "please", "my", "order", "the", "shoes", "i", "need", "help",
                                  "with", "thanks", "asap", "hello", "could", "you", "boots"};
  static const char* kChannels[] = {"email", "chat", "social"};
  std::mt19937_64 rng(seed);
  std::string csv = "text,intent,channel,created_at\n";
  for (size_t i = 0; i < rows; ++i) {
    int label = static_cast<int>(rng() % static_cast<uint64_t>(labels));
    std::string text;
    int words = 3 + static_cast<int>(rng() % 6);
    for (int w = 0; w < words; ++w) {
      if (!text.empty()) text += ' ';
      // One word in three is a keyword of the intent, one in twelve a keyword of another.
      uint64_t r = rng() % 12;
      if (r < 4) text += kKeywords[label][rng() % 4];
      else if (r == 4) text += kKeywords[rng() % static_cast<uint64_t>(labels)][rng() % 4];
      else text += kFiller[rng() % 16];
    }
    if (text.find(kKeywords[label][0]) == std::string::npos) text += std::string(" ") + kKeywords[label][rng() % 4];
    csv += "\"" + text + "\"," + kIntents[label] + "," + kChannels[rng() % 3] + ",2026-0" +
           std::to_string(1 + rng() % 9) + "-1" + std::to_string(rng() % 10) + "T10:00:00Z\n";
  }
  return csv;
}

namespace {
std::string DrainFd(int fd) {
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}
}  // namespace

CliResult RunCli(const std::vector<std::string>& args, const std::string& stdin_text) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe(in_pipe) || ::pipe(out_pipe) || ::pipe(err_pipe)) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
      ::close(fd);
    std::vector<char*> argv;
    std::string binary = TRAINOPS_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  std::thread writer([&] {
    size_t off = 0;
    while (off < stdin_text.size()) {
      ssize_t n = ::write(in_pipe[1], stdin_text.data() + off, stdin_text.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::close(in_pipe[1]);
  });
  CliResult result;
  std::thread err_reader([&] { result.err = DrainFd(err_pipe[0]); });
  result.out = DrainFd(out_pipe[0]);
  err_reader.join();
  writer.join();
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace trainops::testing
