// The registry's content-addressed model store: <root>/models/<hash>.bin. A model's id is
// the hash of its bytes, so the same model registered twice is stored once, and a stored
// file can be checked against its name. Files arrive by temp file + fsync + rename, so the
// store never holds a partial model.
#pragma once

#include <filesystem>
#include <string>

namespace trainops {

namespace model_store {

std::filesystem::path StoredPath(const std::filesystem::path& models_dir, const std::string& hash);

// Copies `source` into the store under its hash, atomically. Re-hashes the bytes it
// copies and throws InputError when they no longer match `expected_hash` (the file changed
// while being registered).
void Store(const std::filesystem::path& source, const std::filesystem::path& models_dir,
           const std::string& expected_hash);

// Removes temp files left by copies that were interrupted (their process is gone), so a
// crash leaves no litter beyond one run of the store.
void RemoveStaleTempFiles(const std::filesystem::path& models_dir);

}  // namespace model_store
}  // namespace trainops
