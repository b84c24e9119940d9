// Crash points for the registry's crash tests: when the named environment variable is
// "1", the process kills itself with SIGKILL at that point, as a power cut or `kill -9`
// would, so tests can prove what a crash there leaves behind; a delay point widens a race
// window on purpose. Off unless the variable is set.
#pragma once

namespace trainops::fault {

// After a model file is renamed into the store, before its row is inserted.
inline constexpr const char* kKillAfterModelCopy = "TRAINOPS_FAULT_KILL_AFTER_MODEL_COPY";
// Inside the promote transaction, after the old production model was archived, before commit.
inline constexpr const char* kKillDuringPromote = "TRAINOPS_FAULT_KILL_DURING_PROMOTE";

// Milliseconds to sleep inside the promote transaction, between the policy check and the
// change, so a concurrency test can make two promotions overlap for sure.
inline constexpr const char* kDelayInPromoteMs = "TRAINOPS_FAULT_DELAY_IN_PROMOTE_MS";

void MaybeKill(const char* variable);
void MaybeDelay(const char* variable);

}  // namespace trainops::fault
