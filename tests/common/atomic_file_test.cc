#include <gtest/gtest.h>

#include <thread>

#include <sys/stat.h>

#include <string>

#include "common/atomic_file.h"
#include "common/binary_io.h"
#include "common/error.h"
#include "test_support.h"

namespace trainops {
namespace {

using testing::TempDir;

size_t TempFilesIn(const std::filesystem::path& dir) {
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().find(".tmp.") != std::string::npos) ++n;
  }
  return n;
}

TEST(AtomicFileTest, KeepsOrderAcrossBufferedAndDirectWrites) {
  // Large writes skip the buffer; they must still land after the buffered bytes before them.
  TempDir dir;
  std::string big(200000, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  std::string expected;
  {
    AtomicFile file(dir / "out.bin");
    for (const std::string& piece : {std::string("head"), big, std::string("mid"), std::string(70000, 'z'),
                                     big, std::string("tail")}) {
      file.Write(piece);
      expected += piece;
    }
    file.Commit();
  }
  EXPECT_EQ(ReadFile(dir / "out.bin"), expected);
  EXPECT_EQ(TempFilesIn(dir.path()), 0u);
}

TEST(AtomicFileTest, UncommittedFileLeavesNothingBehind) {
  TempDir dir;
  {
    AtomicFile file(dir / "out.bin");
    file.Write(std::string(100000, 'q'));
    file.Flush();
    EXPECT_EQ(TempFilesIn(dir.path()), 1u);
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "out.bin"));
  EXPECT_EQ(TempFilesIn(dir.path()), 0u);
}

TEST(AtomicFileTest, ReadFileReadsLargeAndEmptyFiles) {
  TempDir dir;
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  EXPECT_EQ(ReadFile(dir.Write("big.bin", big)), big);
  EXPECT_EQ(ReadFile(dir.Write("empty.bin", "")), "");
  EXPECT_THROW(ReadFile(dir / "missing.bin"), InputError);
}

TEST(ChunkedBytesTest, MatchesBinaryWriter) {
  std::vector<float> values = {1.5f, -2.0f, 3.25f};
  std::vector<int8_t> none;
  ChunkedBytes chunked;
  chunked.U32(7);
  chunked.BorrowArray(values);
  chunked.U64(9);
  chunked.Own("owned");
  chunked.BorrowArray(none);
  BinaryWriter plain;
  plain.U32(7);
  plain.Array(values);
  plain.U64(9);
  plain.Raw("owned", 5);
  plain.Array(none);
  std::string joined;
  chunked.ForEach([&](std::string_view bytes) { joined.append(bytes); });
  EXPECT_EQ(joined, plain.str());
  EXPECT_EQ(chunked.size(), plain.str().size());
}

// Issue 26, item 4: outputs that are not regular files are written in place, never
// replaced by a regular file (as root, a rename over /dev/full replaced the device).
TEST(AtomicFileTest, AFifoIsWrittenInPlaceNotReplaced) {
  TempDir dir;
  const auto fifo = dir / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = ReadFile(fifo); });
  WriteFileAtomically(fifo, "hello through the pipe\n");
  reader.join();
  EXPECT_EQ(got, "hello through the pipe\n");
  EXPECT_TRUE(std::filesystem::is_fifo(fifo)) << "still a FIFO";
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()), 1)
      << "no temporary file left";
}

TEST(AtomicFileTest, ADeviceIsWrittenInPlaceAndItsErrorsReported) {
  if (!std::filesystem::exists("/dev/full") || !std::filesystem::exists("/dev/null")) GTEST_SKIP() << "no /dev/full";
  TempDir dir;
  const auto link = dir / "out.csv";
  std::filesystem::create_symlink("/dev/full", link);
  try {
    WriteFileAtomically(link, std::string(100000, 'x'));
    FAIL() << "a write to /dev/full succeeded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(std::filesystem::is_symlink(link)) << "the link was not replaced";
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/full"));
  EXPECT_NO_THROW(WriteFileAtomically("/dev/null", "discarded"));
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/null"));
}

TEST(AtomicFileTest, ALinkToARegularFileKeepsTheLinkAndReplacesItsTarget) {
  TempDir dir;
  WriteFileAtomically(dir / "real.csv", "old");
  std::filesystem::create_symlink("real.csv", dir / "link.csv");
  WriteFileAtomically(dir / "link.csv", "new");
  EXPECT_TRUE(std::filesystem::is_symlink(dir / "link.csv"));
  EXPECT_EQ(ReadFile(dir / "real.csv"), "new");
}

}  // namespace
}  // namespace trainops
