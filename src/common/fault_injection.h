// Crash points for the crash tests: when the named environment variable is set, the
// process kills itself with SIGKILL at that point, as a power cut or `kill -9` would, so
// tests can prove what a crash there leaves behind; a delay point widens a race window on
// purpose.
//
// Compiled in only when TRAINOPS_FAULT_INJECTION is defined (CMake option of the same
// name, on in builds with tests): a library that a server or a Python process links must
// never read such variables or kill its host. Otherwise every hook is an empty inline.
#pragma once

#include <string_view>

namespace trainops::fault {

// After a model file is renamed into the store, before its row is inserted.
inline constexpr const char* kKillAfterModelCopy = "TRAINOPS_FAULT_KILL_AFTER_MODEL_COPY";
// Inside the promote transaction, after the old production model was archived, before commit.
inline constexpr const char* kKillDuringPromote = "TRAINOPS_FAULT_KILL_DURING_PROMOTE";
// Milliseconds to sleep inside the promote transaction, between the policy check and the
// change, so a concurrency test can make two promotions overlap for sure.
inline constexpr const char* kDelayInPromoteMs = "TRAINOPS_FAULT_DELAY_IN_PROMOTE_MS";
// Milliseconds to sleep after the gates ran, before the candidate is registered, so a
// test can replace the candidate's file while a release is under way.
inline constexpr const char* kDelayAfterGatesMs = "TRAINOPS_FAULT_DELAY_AFTER_GATES_MS";
// "N": die halfway through writing the checkpoint taken when the history has N entries.
inline constexpr const char* kKillDuringCheckpoint = "TRAINOPS_FAULT_KILL_DURING_CHECKPOINT";
// "E": the training loss reads as NaN during epoch E (1-based), as when training diverges.
inline constexpr const char* kNanLossAtEpoch = "TRAINOPS_FAULT_NAN_LOSS_AT_EPOCH";
// "1": under mpirun, every rank of an in-memory run trains on all the training rows in
// rank 0's order (identical shards), so the ranks' models must agree with one process's.
inline constexpr const char* kIdenticalShards = "TRAINOPS_FAULT_IDENTICAL_SHARDS";

#ifdef TRAINOPS_FAULT_INJECTION
inline constexpr bool kEnabled = true;
void MaybeKill(const char* variable);
void MaybeDelay(const char* variable);
// True when `variable` is set to exactly `value`.
bool Requested(const char* variable, std::string_view value);
[[noreturn]] void KillNow();
#else
inline constexpr bool kEnabled = false;
inline void MaybeKill(const char*) {}
inline void MaybeDelay(const char*) {}
inline bool Requested(const char*, std::string_view) { return false; }
#endif

}  // namespace trainops::fault
